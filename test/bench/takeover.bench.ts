/**
 * `npm run bench:takeover`: how long a warm standby takes to serve ACME after the active node
 * dies (issue 7: "from the active node's death to the standby answering ACME; target under 10
 * seconds with default settings"). Two installations of the real executable share one database
 * (SQLite by default; `--driver postgres` uses 127.0.0.1:5432 with a test license), with the
 * default `lease` settings. Each run: the active node serves, the standby stands by; SIGKILL the
 * active; poll the standby's own `GET /acme/directory` every 20 ms until it answers 200. The
 * time splits into waiting for the dead node's lease to expire (expiry − kill, read from the
 * lease row just before the kill) and the standby's takeover boot (the rest). The roles swap
 * for the next run (the killed node comes back as the standby).
 *
 * Options: --runs N (default 5), --driver sqlite|postgres.
 */
import { readFile } from "node:fs/promises";
import { createInstallation, httpsGet, killLeftoverChildren, type Installation, type ServeProcess } from "../e2e/harness.js";

const args = process.argv.slice(2);
const option = (name: string): string | undefined => (args.includes(name) ? args[args.indexOf(name) + 1] : undefined);
const runs = Number(option("--runs") ?? 5) || 5;
const driver = option("--driver") === "postgres" ? "postgres" : "sqlite";
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

interface Run {
  readonly totalMs: number;
  readonly leaseWaitMs: number;
  readonly bootMs: number;
}

async function untilDirectoryAnswers(node: Installation, ca: string, deadline: number): Promise<number> {
  const url = `https://localhost:${node.port}/acme/directory`;
  while (Date.now() < deadline) {
    const answer = await httpsGet(url, ca, 2_000).catch(() => null);
    if (answer?.status === 200) return Date.now();
    await sleep(20);
  }
  throw new Error(`the standby did not answer ${url} within the deadline`);
}

async function main(): Promise<void> {
  const first = await createInstallation({ driver });
  const second = await createInstallation({ shareDatabaseWith: first });
  const results: Run[] = [];
  try {
    if (driver === "postgres") {
      const installed = await first.installLicense({ allowed_dbs: ["postgres"] });
      if (installed.code !== 0) throw new Error(`license install failed: ${installed.stderr}`);
    }
    let active: { node: Installation; process: ServeProcess } = { node: first, process: await first.serve() };
    let standby: { node: Installation; process: ServeProcess } = { node: second, process: await second.serve({ standby: true }) };
    const ca = (await Promise.all([readFile(first.rootCaPath, "utf8"), readFile(second.rootCaPath, "utf8")])).join("\n");
    for (let run = 1; run <= runs; run++) {
      await sleep(1_000 + Math.random() * 2_000); // kill at a random point of the renewal cycle
      const [lease] = await first.db.query<{ expires_at: number | string }>("SELECT expires_at FROM node_lease");
      const killedAt = Date.now();
      active.process.signal("SIGKILL");
      const answeredAt = await untilDirectoryAnswers(standby.node, ca, killedAt + 60_000);
      await active.process.exited;
      const leaseWaitMs = Math.max(0, Number(lease?.expires_at) - killedAt);
      const totalMs = answeredAt - killedAt;
      results.push({ totalMs, leaseWaitMs, bootMs: totalMs - leaseWaitMs });
      console.log(`run ${run}: ${totalMs} ms from SIGKILL to the first ACME answer (lease expiry ${leaseWaitMs} ms, takeover boot ${totalMs - leaseWaitMs} ms)`);
      // The killed node comes back as the standby of the new active one.
      const revived = { node: active.node, process: await active.node.serve({ standby: true }) };
      active = standby;
      standby = revived;
    }
    await standby.process.stop("SIGTERM");
    await active.process.stop("SIGTERM");
  } finally {
    await killLeftoverChildren();
    await second.cleanup();
    await first.cleanup();
  }
  const sorted = (pick: (r: Run) => number): number[] => results.map(pick).sort((a, b) => a - b);
  const summary = (label: string, pick: (r: Run) => number): string => {
    const values = sorted(pick);
    const median = values[Math.floor(values.length / 2)] ?? 0;
    return `${label}: min ${values[0]} ms, median ${median} ms, max ${values.at(-1)} ms`;
  };
  console.log(`\ntakeover on ${driver}, default lease settings (ttl 6s, renew-interval 2s), ${results.length} runs`);
  console.log(summary("SIGKILL → first ACME answer", (r) => r.totalMs));
  console.log(summary("  waiting for the lease to expire", (r) => r.leaseWaitMs));
  console.log(summary("  takeover boot after expiry", (r) => r.bootMs));
}

await main();
