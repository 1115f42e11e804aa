/** Every projection table, by the name projections use in RowChange (one record per dialect). */
import type { MsSqlTable } from "drizzle-orm/mssql-core";
import type { ProjectionTableName } from "../../../projections/row-change.js";
import { acmeAccounts, acmeAuthorizations, acmeCertificates, acmeChallenges, acmeEabKeys, acmeOrders, nodeBoots } from "../schema/mssql.js";

export const mssqlProjectionTables: Readonly<Record<ProjectionTableName, MsSqlTable>> = {
  node_boots: nodeBoots,
  acme_accounts: acmeAccounts,
  acme_orders: acmeOrders,
  acme_authorizations: acmeAuthorizations,
  acme_challenges: acmeChallenges,
  acme_certificates: acmeCertificates,
  acme_eab_keys: acmeEabKeys,
};
