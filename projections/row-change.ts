/**
 * What a table projection produces: row changes, not SQL. Projections stay pure (no I/O, no
 * database types); each store dialect applies the changes inside the transaction it runs them
 * in — the append transaction inline, or the rebuild transaction.
 */
export type Cell = string | number | boolean | null;
export type Row = Readonly<Record<string, Cell>>;

/** Every table a projection owns. Nothing else writes them (DESIGN §2, invariant 1). */
export const projectionTables = [
  "node_boots",
  "acme_accounts",
  "acme_orders",
  "acme_authorizations",
  "acme_challenges",
  "acme_certificates",
  "acme_eab_keys",
] as const;
export type ProjectionTableName = (typeof projectionTables)[number];

export type RowChange =
  | { readonly kind: "insert"; readonly table: ProjectionTableName; readonly row: Row }
  | { readonly kind: "update"; readonly table: ProjectionTableName; readonly key: Row; readonly set: Row }
  | { readonly kind: "delete"; readonly table: ProjectionTableName; readonly key: Row };
