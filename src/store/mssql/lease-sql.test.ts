/** The writer lease's T-SQL as sent to SQL Server: lock hints, typed parameters, holder-only updates. */
import { describe, expect, it } from "vitest";
import { raiseLeaseEpochSql, readLeaseSql, releaseLeaseSql, renewLeaseSql, writeLeaseSql } from "./lease-sql.js";

const COLUMNS =
  "[holder_server_id] AS [holderServerId], [holder_hostname] AS [holderHostname], [epoch] AS [epoch], " +
  "[acquired_at] AS [acquiredAt], [renewed_at] AS [renewedAt], [expires_at] AS [expiresAt]";
const claim = { serverId: "6f1c3d2e-0000-4000-8000-000000000001", epoch: 7 };

describe("lease T-SQL", () => {
  it("locks the row to the end of the transaction only when acquiring", () => {
    expect(readLeaseSql(true).text).toBe(`SELECT ${COLUMNS} FROM [node_lease] WITH (UPDLOCK, HOLDLOCK, ROWLOCK) WHERE [id] = 1`);
    expect(readLeaseSql(false).text).toBe(`SELECT ${COLUMNS} FROM [node_lease] WHERE [id] = 1`);
  });

  it("updates the one row or inserts it the first time, binding each column with its type", () => {
    const statement = writeLeaseSql({ holderServerId: claim.serverId, holderHostname: "acme-2", epoch: 8, acquiredAt: 1, renewedAt: 1, expiresAt: 10_001 });
    expect(statement.text).toBe(
      "UPDATE [node_lease] SET [holder_server_id] = @p0, [holder_hostname] = @p1, [epoch] = @p2, [acquired_at] = @p3, [renewed_at] = @p4, [expires_at] = @p5 WHERE [id] = 1; " +
        "IF @@ROWCOUNT = 0 INSERT INTO [node_lease] ([id], [holder_server_id], [holder_hostname], [epoch], [acquired_at], [renewed_at], [expires_at]) VALUES (1, @p0, @p1, @p2, @p3, @p4, @p5)",
    );
    expect(statement.params.map((p) => [p.type.name, p.value])).toEqual([
      ["char", claim.serverId], ["varchar", "acme-2"], ["bigint", 8], ["bigint", 1], ["bigint", 1], ["bigint", 10_001],
    ]);
  });

  it("renews and releases only while the row names the claim's node and epoch", () => {
    const renew = renewLeaseSql(claim, 5_000, 10_000);
    expect(renew.text).toBe(
      "UPDATE [node_lease] SET [renewed_at] = @p0, [expires_at] = @p1 OUTPUT INSERTED.[holder_server_id] AS [holderServerId], " +
        "INSERTED.[holder_hostname] AS [holderHostname], INSERTED.[epoch] AS [epoch], INSERTED.[acquired_at] AS [acquiredAt], " +
        "INSERTED.[renewed_at] AS [renewedAt], INSERTED.[expires_at] AS [expiresAt] WHERE [id] = 1 AND [holder_server_id] = @p2 AND [epoch] = @p3",
    );
    expect(renew.params.map((p) => p.value)).toEqual([5_000, 15_000, claim.serverId, 7]);
    const release = releaseLeaseSql(claim, 6_000);
    expect(release.text).toBe("UPDATE [node_lease] SET [expires_at] = @p0 WHERE [id] = 1 AND [holder_server_id] = @p1 AND [epoch] = @p2");
  });

  it("raises the importer's epoch past the imported events only while the row names its claim", () => {
    const raise = raiseLeaseEpochSql(claim, 12);
    expect(raise.text).toBe("UPDATE [node_lease] SET [epoch] = @p0 WHERE [id] = 1 AND [holder_server_id] = @p1 AND [epoch] = @p2");
    expect(raise.params.map((p) => [p.type.name, p.value])).toEqual([["bigint", 12], ["char", claim.serverId], ["bigint", 7]]);
  });
});
