/**
 * The event log is append-only and its tampering shows (DESIGN invariants 2 and 5): the database
 * itself refuses an UPDATE of an event; someone who drops the guard triggers and edits a body is
 * caught by `events verify` (naming the position) and by `audit verify` (db-mismatch).
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { bootAndStop, createInstallation, killLeftoverChildren, STACK_FRAME, type Installation } from "../e2e/harness.js";
import { appendOnlyTriggers } from "../support/event-log-tamper.js";

const TIMEOUT = 60_000;
let node: Installation;

beforeAll(async () => {
  node = await createInstallation();
  await bootAndStop(node);
}, TIMEOUT);
afterEach(killLeftoverChildren);
afterAll(async () => {
  await node?.cleanup();
});

const sqlString = (text: string): string => `'${text.replaceAll("'", "''")}'`;

describe("event log tampering", () => {
  it("the database refuses UPDATE and DELETE of an event while the guards are in place", async () => {
    await expect(node.db.exec("UPDATE es_events SET body = body || ' ' WHERE position = 1")).rejects.toThrow(/append-only/);
    await expect(node.db.exec("DELETE FROM es_events WHERE position = 1")).rejects.toThrow(/append-only/);
    const verify = await node.cli("events", "verify");
    expect(verify.code, verify.stderr).toBe(0);
  }, TIMEOUT);

  it("an edited event body is caught by events verify (its position) and audit verify (db-mismatch)", async () => {
    const triggers = await appendOnlyTriggers();
    expect(triggers.length).toBeGreaterThan(0);
    for (const trigger of triggers) await node.db.exec(`DROP TRIGGER "${trigger}"`);

    const [row] = await node.db.query<{ body: string }>("SELECT body FROM es_events WHERE position = 2");
    const body = row?.body ?? "";
    const uptime = /"uptimeMs":(\d)/.exec(body);
    expect(uptime, body).not.toBeNull();
    const at = (uptime?.index ?? 0) + '"uptimeMs":'.length;
    const edited = `${body.slice(0, at)}${body[at] === "9" ? "8" : "9"}${body.slice(at + 1)}`;
    await node.db.exec(`UPDATE es_events SET body = ${sqlString(edited)} WHERE position = 2`);

    const events = await node.cli("events", "verify");
    expect(events.code).toBe(1);
    expect(events.stderr).toMatch(/position 2\b/);
    expect(events.stderr).not.toMatch(STACK_FRAME);

    const audit = await node.cli("audit", "verify");
    expect(audit.code).toBe(1);
    expect(audit.stderr).toMatch(/db-mismatch/);
    expect(audit.stderr).toMatch(/position 2\b/);
  }, TIMEOUT);
});
