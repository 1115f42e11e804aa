/**
 * CPU per event of the append pipeline without the database: seal (planAppend: envelope,
 * canonical JSON, hash chain, event id), the events-table row, the inline table projections,
 * and the audit lines written to a file by FileAuditMirror. Batches of ACME order events built
 * by `create` as the deciders build them (issuance: order created → … → order valid).
 *
 *   npx tsx test/bench/seal.bench.ts [--trees A,B] [--rounds 5] [--batches 8000] [--orders 1]
 *
 * `--orders N`: the commands of N orders per group commit (10 events each).
 *
 * With `--trees` each round runs one child process per tree, alternating, each importing the
 * pipeline from its tree: ratios within one run are the figure to read on a shared machine.
 */
import { spawnSync } from "node:child_process";
import { mkdtemp, open, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import type { PendingEvent } from "../../events/index.js";
import type { AppendCommand } from "../../src/store/dialect.js";

const { values } = parseArgs({
  options: {
    trees: { type: "string" },
    tree: { type: "string" },
    rounds: { type: "string", default: "5" },
    batches: { type: "string", default: "8000" },
    orders: { type: "string", default: "1" },
    child: { type: "boolean", default: false },
  },
});
const batches = Number(values.batches);
const orders = Number(values.orders);
const self = fileURLToPath(import.meta.url);
const here = resolve(self, "../../..");

interface Stages {
  seal: number;
  row: number;
  project: number;
  mirror: number;
  events: number;
}

/** A module of the tree under test, typed as this tree's (both have the same API). */
const load = <M>(tree: string, path: string): Promise<M> => import(join(tree, path)) as Promise<M>;

async function child(tree: string): Promise<Stages> {
  const ev = await load<typeof import("../../events/index.js")>(tree, "events/index.ts");
  const { planAppend } = await load<typeof import("../../src/store/plan-append.js")>(tree, "src/store/plan-append.ts");
  const { toEventRow } = await load<typeof import("../../src/store/rows.js")>(tree, "src/store/rows.ts");
  const { projectBatch, tableProjections } = await load<typeof import("../../projections/index.js")>(tree, "projections/index.ts");
  const { FileAuditMirror } = await load<typeof import("../../src/audit/mirror.js")>(tree, "src/audit/mirror.ts");
  const { EMPTY_CHAIN } = await load<typeof import("../../src/audit/line.js")>(tree, "src/audit/line.ts");
  const { uuidv7 } = await load<typeof import("../../src/store/uuid.js")>(tree, "src/store/uuid.ts");

  const dir = await mkdtemp(join(tmpdir(), "certeasy-seal-bench-"));
  const serverId = "11111111-1111-4111-8111-111111111111";
  const handle = await open(join(dir, "audit.log"), "a");
  const mirror = new FileAuditMirror(handle, join(dir, "audit.log"), serverId, () => new Date(), EMPTY_CHAIN, { writesAreDurable: true });
  const accountId = uuidv7();
  const hash = "a".repeat(64);
  const keyAuthorization = `${"t".repeat(43)}.${"k".repeat(43)}`;
  const chainPem = `-----BEGIN CERTIFICATE-----\n${"MIIB".repeat(300)}\n-----END CERTIFICATE-----\n`;

  /** One order's life as the service appends it: five commands, ten events. */
  function orderCommands(): AppendCommand[] {
    const orderId = uuidv7();
    const authzId = uuidv7();
    const http01 = uuidv7();
    const certificateId = uuidv7();
    const identifier = { type: "dns" as const, value: "www.example.com" };
    const identifiers = [identifier];
    const meta = { requestId: uuidv7(), sourceIp: "192.0.2.80", actor: `account:${accountId}` };
    const streamId = `order:${orderId}`;
    const cmd = (events: PendingEvent[]): AppendCommand => ({ streamId, expectedVersion: "any", events, meta });
    return [
      cmd([
        ev.OrderCreated.create({
          orderId, accountId, identifiers, identifiersHash: hash, notBefore: null, notAfter: null, expires: "2026-12-07T08:00:00.000Z",
          policy: "classic", profile: null, replacesCertificateId: null, authorizationIds: [authzId],
          newAuthorizations: [{ authzId, identifier, wildcard: false, expires: "2026-12-07T08:00:00.000Z",
            challenges: [{ challengeId: http01, type: "http-01", token: "t".repeat(43) }, { challengeId: uuidv7(), type: "dns-01", token: "u".repeat(43) }] }],
        }),
      ]),
      cmd([ev.ChallengeProcessing.create({ authzId, challengeId: http01, keyAuthorization })]),
      cmd([
        ev.ChallengeValid.create({ authzId, challengeId: http01, validated: "2026-11-30T08:00:01.500Z", address: "192.0.2.80" }),
        ev.AuthorizationValid.create({ authzId, expires: "2026-12-30T08:00:02.000Z" }),
        ev.OrderReady.create({}),
      ]),
      cmd([
        ev.OrderFinalizing.create({ csr: "MIIB".repeat(100), authority: "local", fallbacks: [], publicKey: "MFkw".repeat(20), spkiSha256: "c".repeat(64), extraEkus: [] }),
        ev.OrderSubmitting.create({ authority: "local" }),
      ]),
      cmd([
        ev.CertificateIssued.create({
          certificateId, accountId, identifiers, identifiersHash: hash, authority: "local", serial: "5a01", aki: "a1b2",
          notBefore: "2026-12-01T00:00:00.000Z", notAfter: "2027-01-01T00:00:00.000Z", chainPem, spkiSha256: "c".repeat(64),
        }),
        ev.OrderValid.create({ certificateId }),
      ]),
    ];
  }

  const stages: Stages = { seal: 0, row: 0, project: 0, mirror: 0, events: 0 };
  const cpu = (since: NodeJS.CpuUsage): number => {
    const d = process.cpuUsage(since);
    return d.user + d.system;
  };
  let head = { position: 0, hash: ev.GENESIS_HASH };
  const run = async (n: number, measure: boolean): Promise<void> => {
    for (let b = 0; b < n; b++) {
      // one group commit: the commands of `orders` orders (10 events each)
      const commands = Array.from({ length: orders }, orderCommands).flat();
      for (const c of commands) for (const e of c.events) ev.assertPendingEvent(e);
      let t = process.cpuUsage();
      const plan = planAppend(head, new Map(), commands, { serverId, leaseEpoch: 1 }, new Date());
      head = plan.head;
      const sealed = cpu(t);
      t = process.cpuUsage();
      let rows = 0;
      for (const event of plan.events) rows += toEventRow(event).position;
      const rowed = cpu(t);
      t = process.cpuUsage();
      projectBatch(tableProjections, plan.events);
      const projected = cpu(t);
      t = process.cpuUsage();
      await mirror.appendEvents(plan.events);
      const mirrored = cpu(t);
      if (measure) {
        stages.seal += sealed;
        stages.row += rowed + (rows < 0 ? 1 : 0);
        stages.project += projected;
        stages.mirror += mirrored;
        stages.events += plan.events.length;
      }
    }
  };
  await run(Math.ceil(batches / 3), false); // warm-up: let the optimising compiler settle
  await run(batches, true);
  await mirror.close();
  await rm(dir, { recursive: true, force: true });
  return stages;
}

const perEvent = (s: Stages, k: keyof Omit<Stages, "events">): number => s[k] / s.events;
const total = (s: Stages): number => (s.seal + s.row + s.project + s.mirror) / s.events;

if (values.child) {
  process.stdout.write(JSON.stringify(await child(resolve(values.tree ?? here))));
} else {
  const trees = (values.trees ?? here).split(",").map((t) => resolve(t));
  const results = new Map<string, number[][]>(trees.map((t) => [t, []]));
  console.log(`µs of CPU per event (user + system), ${batches} batches of ${10 * orders} events per run`);
  console.log("tree                            round     seal      row  project   mirror    total");
  for (let round = 1; round <= Number(values.rounds); round++) {
    for (const tree of round % 2 === 1 ? trees : [...trees].reverse()) {
      const out = spawnSync(process.execPath, [...process.execArgv, self, "--child", "--tree", tree, "--batches", String(batches), "--orders", String(orders)], {
        encoding: "utf8",
        maxBuffer: 1 << 20,
      });
      if (out.status !== 0) throw new Error(`child for ${tree} failed: ${out.stderr}`);
      const s = JSON.parse(out.stdout) as Stages;
      const row = [perEvent(s, "seal"), perEvent(s, "row"), perEvent(s, "project"), perEvent(s, "mirror"), total(s)];
      results.get(tree)?.push(row);
      console.log(`${tree.slice(-30).padEnd(30)} ${String(round).padStart(6)} ${row.map((v) => v.toFixed(2).padStart(8)).join(" ")}`);
    }
  }
  const median = (xs: number[]): number => {
    const s = [...xs].sort((a, b) => a - b);
    return s[Math.floor(s.length / 2)] ?? Number.NaN;
  };
  console.log("medians");
  const medians = trees.map((t) => [0, 1, 2, 3, 4].map((i) => median((results.get(t) ?? []).map((r) => r[i] ?? Number.NaN))));
  trees.forEach((t, i) => console.log(`${t.slice(-30).padEnd(30)} ${"".padStart(6)} ${(medians[i] ?? []).map((v) => v.toFixed(2).padStart(8)).join(" ")}`));
  if (trees.length === 2) {
    const [a, b] = medians;
    console.log(`ratio ${trees[1]?.slice(-20)} / ${trees[0]?.slice(-20)}: ${[0, 1, 2, 3, 4].map((i) => ((b?.[i] ?? 0) / (a?.[i] ?? 1)).toFixed(3)).join(" ")}`);
  }
}
