/**
 * acme_accounts on SQL Server without a server: the projection's changes become T-SQL whose
 * parameters carry the column types (bit for tos_agreed, MAX text for the JWK and contacts), and
 * the read decodes a row back to the same values the other dialects return.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { AccountKeyChanged, AccountRegistered, GENESIS_HASH, sealEnvelope, type StoredEvent } from "../../events/index.js";
import { accountsProjection, projectBatch } from "../../projections/index.js";
import { mssqlProjectionTables } from "../../src/store/mssql/projection-tables.js";
import { readProjectionSql, rowChangesSql } from "../../src/store/mssql/projection-sql.js";
import { decodeRow } from "../../src/store/mssql/table-rows.js";
import { accountKey, type AccountKey } from "../domain/account-fixtures.js";

const accountId = "0193a0c4-5e6f-7a8b-9c0d-1e2f3a4b5c6d";
let key: AccountKey;
let newKey: AccountKey;
beforeAll(async () => {
  key = await accountKey();
  newKey = await accountKey();
});

function stored(): StoredEvent[] {
  const pending = [
    AccountRegistered.create({
      accountId, jwk: key.jwk, thumbprint: key.thumbprint, contact: ["mailto:ops@corp.example"],
      termsOfServiceAgreed: true, externalAccountBinding: null,
    }),
    AccountKeyChanged.create({ oldThumbprint: key.thumbprint, jwk: newKey.jwk, thumbprint: newKey.thumbprint }),
  ];
  const out: StoredEvent[] = [];
  pending.forEach((p, i) => {
    out.push(sealEnvelope({
      at: "2026-11-30T08:00:00.000Z", data: p.data, eid: `e${i}`, gp: i + 1, meta: { node: "n" },
      prev: out[i - 1]?.hash ?? GENESIS_HASH, sid: `account:${accountId}`, sv: i + 1, type: p.type, v: p.v,
    }));
  });
  return out;
}

describe("acme_accounts on SQL Server", () => {
  it("binds every value with its column's type", () => {
    const [request, ...more] = rowChangesSql(projectBatch([accountsProjection], stored()));
    expect(more).toEqual([]);
    expect(request?.text).toBe(
      "INSERT INTO [acme_accounts] ([account_id], [thumbprint], [jwk], [contact], [status], [tos_agreed], [eab_key_id], " +
        "[created_at], [updated_at]) VALUES (@p0, @p1, @p2, @p3, @p4, @p5, @p6, @p7, @p8);\n" +
        "UPDATE [acme_accounts] SET [jwk] = @p9, [thumbprint] = @p10, [updated_at] = @p11 WHERE [account_id] = @p12",
    );
    expect(request?.params.slice(0, 9).map((p) => p.type)).toEqual([
      { name: "char", length: 36 },
      { name: "varchar", length: 64 },
      { name: "varchar", length: "max" },
      { name: "nvarchar", length: "max" },
      { name: "varchar", length: 16 },
      { name: "bit" },
      { name: "varchar", length: 128 },
      { name: "bigint" },
      { name: "bigint" },
    ]);
    expect(request?.params[5]?.value).toBe(true);
  });

  it("reads a row back with the values the other dialects return", () => {
    expect(readProjectionSql("acme_accounts").text).toContain("[tos_agreed] AS [tosAgreed]");
    const row = decodeRow(mssqlProjectionTables.acme_accounts, {
      accountId, thumbprint: key.thumbprint, jwk: "{}", contact: "[]", status: "valid", tosAgreed: false,
      eabKeyId: null, createdAt: "1764489600000", updatedAt: "1764489600001",
    });
    expect(row).toEqual({
      accountId, thumbprint: key.thumbprint, jwk: "{}", contact: "[]", status: "valid", tosAgreed: false,
      eabKeyId: null, createdAt: 1_764_489_600_000, updatedAt: 1_764_489_600_001,
    });
  });
});
