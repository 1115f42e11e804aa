/**
 * A real node core records its audit head in `servers` (src/audit/head.ts): at boot and at a
 * clean stop, so that deleting the trailing shutdown line afterwards is caught by `audit
 * verify` and by the next boot.
 */
import { mkdtemp, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pino } from "pino";
import { afterEach, describe, expect, it } from "vitest";
import { AuditTampered, verifyAudit } from "../../src/audit/index.js";
import { openNode } from "../../src/node/open-node.js";
import type { EventStoreDialect } from "../../src/store/dialect.js";
import { openDialect } from "../../src/store/open.js";
import { fileLines, writeLines } from "../audit/helpers.js";

const log = pino({ level: "silent" });
const dialects: EventStoreDialect[] = [];
afterEach(async () => {
  await Promise.all(dialects.splice(0).map((d) => d.close()));
});

describe("a node's recorded audit head", () => {
  it("is the file's last line at a clean stop, and a file cut after it is refused by verify and by the next boot", async () => {
    const workdir = await mkdtemp(join(tmpdir(), "certeasy-audit-head-"));
    const auditPath = join(workdir, "audit.log");
    const options = { workdir, store: { driver: "sqlite" as const, path: join(workdir, "db.sqlite") }, noddl: false, auditPath, log };
    const core = await openNode(options);
    const { serverId } = core;
    const atBoot = (await core.dialect.listServers()).find((s) => s.serverId === serverId);
    expect(atBoot?.auditLines).toBe((await fileLines(auditPath)).length);
    await core.stop("shutdown");

    const lines = await fileLines(auditPath);
    const last = JSON.parse(String(lines.at(-1))) as { kind: string; hash: string };
    expect(last.kind).toBe("shutdown");
    const dialect = await openDialect(options.store);
    dialects.push(dialect);
    const row = (await dialect.listServers()).find((s) => s.serverId === serverId);
    expect(row).toMatchObject({ auditLines: lines.length, auditHeadHash: last.hash });
    expect(await verifyAudit({ path: auditPath, store: dialect, serverId })).toMatchObject({ ok: true, lines: lines.length });

    await writeLines(auditPath, lines.slice(0, -1));
    expect(await verifyAudit({ path: auditPath, store: dialect, serverId })).toMatchObject({ ok: false, kind: "truncated", line: lines.length });
    const before = await readFile(auditPath, "utf8");
    await expect(openNode(options)).rejects.toBeInstanceOf(AuditTampered);
    expect(await readFile(auditPath, "utf8")).toBe(before);
  });
});
