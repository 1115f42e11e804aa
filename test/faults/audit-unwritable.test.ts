/**
 * Issue 8, the audit file cannot be written under load (DESIGN §2 invariant 7), three ways:
 * - its file system fills up (ENOSPC: a small tmpfs mounted for the audit path, filled by another file);
 * - its file system turns read-only under the open file (EROFS: ext4 on a loop device, mounted
 *   `errors=remount-ro`, after an ext4 error);
 * - its device fails (EIO: the same ext4 shut down as a dead device; see support/loop-ext4.ts for
 *   why not a device-mapper `error` target).
 * Expected: the node stops acknowledging writes — every request that would append is answered
 * 503 with a problem that says why, never a 2xx for an event that was not mirrored — logs the
 * reason, `/readyz` turns false, and reads still work. Freeing the space does not resume writes:
 * the decision is that an operator restarts the node (documented in docs/operations.md), whose
 * boot re-mirrors from the database what the file lacks. After the restart on a repaired file
 * system: nothing acknowledged is lost, and `audit verify` and `events verify` pass.
 *
 * Needs root (mount; losetup, mkfs.ext4, e2fsck and python3 for the ext4 cases); elsewhere the
 * tests skip and say so.
 */
import { execFileSync } from "node:child_process";
import { mkdir, open, readFile, rename, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { POST_AS_GET } from "../bench/issuance/account-key.js";
import { createInstallation, httpsGet, killLeftoverChildren, STACK_FRAME, type Installation, type ServeProcess } from "../e2e/harness.js";
import { expectAcknowledgedKept, useValidationWorld, validationWorldYaml } from "./support/acknowledged.js";
import { LoopExt4, loopExt4Unavailable } from "./support/loop-ext4.js";
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
if (!mountable) console.warn("audit-unwritable: not root or no mount(8) — skipping the disk-full, read-only and I/O-error audit file tests");
const noLoopExt4 = mountable ? loopExt4Unavailable() : "not root";
if (mountable && noLoopExt4 !== undefined) console.warn(`audit-unwritable: ${noLoopExt4} — skipping the read-only and I/O-error audit file tests (ext4 on a loop device)`);

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
  /** the errno the 503 may name: an ext4 journal abort can hand EIO to the write in flight before the file system turns read-only */
  readonly reasons: readonly string[];
  /** why this fault cannot be simulated here, if it cannot */
  readonly unavailable: string | undefined;
  /** mount the file system the audit file will live on at `mountPoint` */
  mount(mountPoint: string, workdir: string): Promise<void>;
  /** make the audit file system unwritable under the open file */
  break(mountPoint: string): Promise<void>;
  /** what the operator can fix while the node runs (space freed); still refused afterwards */
  repairWhileRunning?(mountPoint: string): Promise<void>;
  /** what the operator fixes once the node is stopped, before the restart */
  repairStopped?(mountPoint: string): Promise<void>;
  /** unmount and release whatever `mount` made, in any state */
  teardown(mountPoint: string): Promise<void>;
}

/** Every loop device made, released in afterAll even when a test failed half-way. */
const loopDevices = new Set<LoopExt4>();
afterAll(() => {
  for (const fs of loopDevices) fs.destroy();
  loopDevices.clear();
});

function unmountTmpfs(mountPoint: string): void {
  try {
    execFileSync("umount", [mountPoint]);
  } catch {
    execFileSync("umount", ["-l", mountPoint]);
  }
}

/** A fault on ext4 over a loop device; the device is repaired (unmount, e2fsck, mount) once the node is stopped. */
function ext4Fault(name: string, code: string, reasons: readonly string[], fail: (fs: LoopExt4, mountPoint: string) => void): Fault {
  let fs: LoopExt4 | undefined;
  return {
    name,
    code,
    reasons,
    unavailable: noLoopExt4,
    async mount(mountPoint, workdir) {
      fs = new LoopExt4(join(workdir, "auditfs.img"), mountPoint);
      loopDevices.add(fs);
      await fs.create(32);
    },
    break: async (mountPoint) => fs && fail(fs, mountPoint),
    repairStopped: async () => fs?.repair(),
    async teardown() {
      fs?.destroy();
      if (fs) loopDevices.delete(fs);
      fs = undefined;
    },
  };
}

const FAULTS: readonly Fault[] = [
  {
    name: "disk full",
    code: "ENOSPC",
    reasons: ["ENOSPC"],
    unavailable: undefined,
    mount: async (mnt) => void execFileSync("mount", ["-t", "tmpfs", "-o", "size=4m,mode=0700", "tmpfs", mnt]),
    break: (mnt) => fillUp(join(mnt, "filler")),
    repairWhileRunning: (mnt) => rm(join(mnt, "filler")),
    teardown: async (mnt) => unmountTmpfs(mnt),
  },
  ext4Fault("file system turned read-only", "EROFS", ["EROFS", "EIO"], (fs) => fs.turnReadOnly()),
  ext4Fault("I/O errors", "EIO", ["EIO"], (fs, mnt) => fs.failWithIoErrors(join(mnt, "audit.log"))),
];

/** What clients may see while the audit file cannot be written: the 503, or a poll that gave up on work the node could not record. */
const EXPECTED_FAILURES = new Set(["503 serverInternal", "authorization not valid after", "order not valid after"]);

describe.skipIf(!mountable)("the audit file cannot be written under load", () => {
  for (const fault of FAULTS) {
    it.skipIf(fault.unavailable !== undefined)(`${fault.name} (${fault.code}): 503 with the reason, /readyz false, reads served, nothing acknowledged lost after the restart`, async () => {
      const node: Installation = await createInstallation({
        configExtra: [validationWorldYaml(world()), "audit:", "  enabled: true", `  path: ${JSON.stringify(join("/MNT", "audit.log"))}`].join("\n"),
      });
      const mnt = join(node.workdir, "auditfs");
      // The config names the mount point; written before the first boot.
      const config = await readFile(node.configPath, "utf8");
      await writeFile(node.configPath, config.replace('"/MNT/audit.log"', JSON.stringify(join(mnt, "audit.log"))));
      await mkdir(mnt);
      await fault.mount(mnt, node.workdir);
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
        expect(load.counters.samples.get("503 serverInternal")).toMatch(new RegExp(`cannot write its audit file \\((${fault.reasons.join("|")})\\)`));
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

        // Space back: still refused until a restart. (A read-only or failed ext4 cannot be
        // repaired while the node holds the file open: the refusal itself is what is checked.)
        await fault.repairWhileRunning?.(mnt);
        await expect(owner?.post(owner.newOrderUrl, { identifiers: [{ type: "dns", value: `after-repair-${fault.code.toLowerCase()}.audit.test` }] })).rejects.toThrow(/answered 503/);
        expect((await httpsGet(readyz, caPem)).status).toBe(503);

        await server.stop("SIGTERM");
        await fault.repairStopped?.(mnt);
        server = await node.serve({ timeoutMs: 90_000 });
        // ext4 after a journal abort may lose the last line it acknowledged as synced; the boot
        // then re-mirrors it from the database (src/audit/lost-tail.ts). Reported, not required.
        const lostTail = /recorded as written are missing/.test(server.stderr());
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
          `audit-unwritable ${fault.code}: ${load.ledger.orders.size} orders / ${load.ledger.issued.size} certificates acknowledged; refusals: ${JSON.stringify(Object.fromEntries(load.counters.failures))}${lostTail ? "; the file system lost synced line(s), re-mirrored at the restart" : ""}`,
        );
      } finally {
        await load?.stop();
        load?.close();
        await server?.stop("SIGKILL");
        await fault.teardown(mnt);
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
