/**
 * Issue 8, the audit file cannot be written under load (DESIGN §2 invariant 7): its file system
 * fills up (ENOSPC: a small tmpfs mounted for the audit path, filled by another file). Expected: the node stops acknowledging
 * writes — every request that would append is answered 503 with a problem that says why, never
 * a 2xx for an event that was not mirrored — logs the reason, `/readyz` turns false, and reads
 * still work. Freeing the space does not resume writes: the decision is that an operator restarts
 * the node (documented in docs/operations.md), whose boot re-mirrors from the database what the
 * file lacks. After the restart: nothing acknowledged is lost and `audit verify` passes.
 *
 * Needs root (mount); elsewhere the tests skip and say so.
 */
import { execFileSync } from "node:child_process";
import { mkdir, open, readFile, rename, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { POST_AS_GET } from "../bench/issuance/account-key.js";
import { createInstallation, httpsGet, killLeftoverChildren, STACK_FRAME, type Installation, type ServeProcess } from "../e2e/harness.js";
import { expectAcknowledgedKept, useValidationWorld, validationWorldYaml } from "./support/acknowledged.js";
import { MixedAcmeLoad } from "./support/mixed-acme-load.js";

const CLIENTS = 4;

function canMount(): boolean {
  try {
    execFileSync("mount", ["--version"], { stdio: "ignore" });
    return process.getuid?.() === 0;
  } catch {
    return false;
  }
}
const mountable = canMount();
if (!mountable) console.warn("audit-unwritable: not root or no mount(8) — skipping the disk-full and read-only audit file tests");

const world = useValidationWorld();
afterEach(killLeftoverChildren);

/** Write zeros into `path` until the file system says ENOSPC. */
async function fillUp(path: string): Promise<void> {
  const handle = await open(path, "w");
  const chunk = Buffer.alloc(64 * 1024);
  try {
    for (;;) await handle.write(chunk);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOSPC") throw error;
  } finally {
    await handle.close().catch(() => undefined);
  }
}

interface Fault {
  readonly name: string;
  readonly code: string;
  /** make the audit file system unwritable */
  break(mountPoint: string): Promise<void>;
  /** what the operator does before the restart */
  repair(mountPoint: string): Promise<void>;
}

const FAULTS: readonly Fault[] = [
  {
    name: "disk full",
    code: "ENOSPC",
    break: (mnt) => fillUp(join(mnt, "filler")),
    repair: (mnt) => rm(join(mnt, "filler")),
  },
];

/** What clients may see while the audit file cannot be written: the 503, or a poll that gave up on work the node could not record. */
const EXPECTED_FAILURES = new Set(["503 serverInternal", "authorization not valid after", "order not valid after"]);

describe.skipIf(!mountable)("the audit file cannot be written under load", () => {
  for (const fault of FAULTS) {
    it(`${fault.name} (${fault.code}): 503 with the reason, /readyz false, reads served, nothing acknowledged lost after the restart`, async () => {
      const node: Installation = await createInstallation({
        configExtra: [validationWorldYaml(world()), "audit:", "  enabled: true", `  path: ${JSON.stringify(join("/MNT", "audit.log"))}`].join("\n"),
      });
      const mnt = join(node.workdir, "auditfs");
      // The config names the mount point; written before the first boot.
      const config = await readFile(node.configPath, "utf8");
      await writeFile(node.configPath, config.replace('"/MNT/audit.log"', JSON.stringify(join(mnt, "audit.log"))));
      await mkdir(mnt);
      execFileSync("mount", ["-t", "tmpfs", "-o", "size=4m,mode=0700", "tmpfs", mnt]);
      let server: ServeProcess | undefined;
      let load: MixedAcmeLoad | undefined;
      try {
        server = await node.serve({ timeoutMs: 90_000 });
        const caPem = await readFile(node.rootCaPath, "utf8");
        const readyz = new URL("/readyz", server.directoryUrl).href;
        load = new MixedAcmeLoad({
          endpoint: { directoryUrl: server.directoryUrl, caPem },
          http01: world().responder,
          clients: CLIENTS,
          revokeEvery: 3,
          identifier: (n) => `o${n}-${fault.code.toLowerCase()}.audit.test`,
        });
        load.start();
        await expect.poll(() => load?.counters.ordersCompleted ?? 0, { timeout: 60_000, interval: 50 }).toBeGreaterThan(3);

        await fault.break(mnt);
        await expect.poll(async () => (await httpsGet(readyz, caPem)).status, { timeout: 60_000, interval: 100 }).toBe(503);
        const acknowledgedAtFault = load.ledger.orders.size;
        // The clients keep trying for a while against the refusing node.
        await new Promise((resolve) => setTimeout(resolve, 2_000));
        await load.stop();

        // Writes refused with the reason; no other failure; nothing acknowledged since.
        for (const failure of load.counters.failures.keys()) expect(EXPECTED_FAILURES, `a client saw ${failure}: ${load.counters.samples.get(failure)}`).toContain(failure);
        expect(load.counters.samples.get("503 serverInternal")).toContain(`cannot write its audit file (${fault.code})`);
        expect(load.ledger.orders.size - acknowledgedAtFault, "orders acknowledged after the audit file failed").toBeLessThanOrEqual(0);
        const ready = await httpsGet(readyz, caPem);
        expect(ready.body).toMatch(/audit/);
        await server.waitForLog(/the audit file cannot be written/);

        // Reads still work: the directory, and an acknowledged certificate downloaded by its account.
        expect((await httpsGet(server.directoryUrl, caPem)).status).toBe(200);
        const certificate = [...load.ledger.issued.values()][0];
        expect(certificate).toBeDefined();
        const owner = certificate?.client;
        expect((await owner?.post(certificate?.url ?? "", POST_AS_GET))?.body).toMatch(/^-----BEGIN CERTIFICATE-----/);

        // Space back (or the file system writable again): still refused until a restart.
        await fault.repair(mnt);
        await expect(owner?.post(owner.newOrderUrl, { identifiers: [{ type: "dns", value: "after-repair.audit.test" }] })).rejects.toThrow(/answered 503/);
        expect((await httpsGet(readyz, caPem)).status).toBe(503);

        await server.stop("SIGTERM");
        server = await node.serve({ timeoutMs: 90_000 });
        await expectAcknowledgedKept(node, load.ledger);
        load.start();
        const before = load.counters.ordersCompleted;
        await expect.poll(() => load?.counters.ordersCompleted ?? 0, { timeout: 60_000, interval: 50 }).toBeGreaterThan(before + 1);
        await load.stop();
        const stopped = await server.stop("SIGTERM");
        expect(stopped.code, server.stderr()).toBe(0);
        const audit = await node.cli("audit", "verify");
        expect(audit.code, audit.stdout + audit.stderr).toBe(0);
        const events = await node.cli("events", "verify");
        expect(events.code, events.stderr).toBe(0);
        console.log(
          `audit-unwritable ${fault.code}: ${load.ledger.orders.size} orders / ${load.ledger.issued.size} certificates acknowledged; refusals: ${JSON.stringify(Object.fromEntries(load.counters.failures))}`,
        );
      } finally {
        await load?.stop();
        load?.close();
        await server?.stop("SIGKILL");
        try {
          execFileSync("umount", [mnt]);
        } catch {
          execFileSync("umount", ["-l", mnt]);
        }
        await node.cleanup();
      }
    }, 300_000);
  }
});

describe("an audit path that cannot be opened at boot", () => {
  it("is refused with a message naming the path, and the node boots once it is a file again", async () => {
    const node = await createInstallation();
    try {
      const first = await node.serve({ timeoutMs: 90_000 });
      expect((await first.stop("SIGTERM")).code).toBe(0);
      await rename(node.auditPath, `${node.auditPath}.kept`);
      await mkdir(node.auditPath);
      const refused = await node.cli("serve");
      expect(refused.code).not.toBe(0);
      expect(refused.stderr).toContain(node.auditPath);
      expect(refused.stderr).not.toMatch(STACK_FRAME);
      await rm(node.auditPath, { recursive: true });
      await rename(`${node.auditPath}.kept`, node.auditPath);
      const again = await node.serve({ timeoutMs: 90_000 });
      expect((await again.stop("SIGTERM")).code).toBe(0);
      expect((await node.cli("audit", "verify")).code).toBe(0);
    } finally {
      await node.cleanup();
    }
  }, 240_000);
});
