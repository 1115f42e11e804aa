/**
 * Bytes retained per entry by the windows that hold one entry per certificate or per name
 * (docs/reliability.md, "Per-name memory of the windows"): each structure is filled with N
 * entries shaped like the sustained bench's (64 accounts, every certificate for a new set of
 * names), with strings made by JSON.parse as the event decoder makes them, and the heap growth
 * after a forced GC is divided by N.
 *
 *   node --expose-gc --import tsx test/bench/window-memory.ts [N]
 */
import { randomUUID } from "node:crypto";
import { GENESIS_HASH, sealEnvelope, type StoredEvent } from "../../events/index.js";
import { licenseProjection, ManagedServers } from "../../projections/index.js";
import { RateLimitLedger, rateLimitProjection } from "../../src/ratelimit/index.js";
import { failureKey } from "../../src/ratelimit/ledger.js";
import { KeyTable } from "../../src/ratelimit/key-table.js";
import { SpentBuckets } from "../../src/ratelimit/spent-buckets.js";
import { bucketRate } from "../../src/ratelimit/gcra.js";
import { certificateIssued, rateConfig, T0 } from "../ratelimit/support.js";

const N = Number(process.argv[2] ?? 100_000);
const ACCOUNTS = Array.from({ length: 64 }, () => randomUUID());
const gc = (globalThis as { gc?: () => void }).gc;
if (gc === undefined) throw new Error("run with node --expose-gc");

function heapUsed(): number {
  for (let i = 0; i < 3; i++) gc?.();
  return process.memoryUsage().heapUsed;
}

/** Fresh strings, as JSON.parse of an event body gives them (not shared with anything else). */
const fresh = (s: string): string => JSON.parse(JSON.stringify(s)) as string;
const hex64 = (i: number): string => fresh(i.toString(16).padStart(64, "0"));
const account = (i: number): string => ACCOUNTS[i % ACCOUNTS.length] as string;

function measure(name: string, fill: (keep: (held: unknown) => void) => void): void {
  const held: unknown[] = [];
  const before = heapUsed();
  fill((h) => held.push(h));
  const after = heapUsed();
  console.log(`${name.padEnd(58)} ${((after - before) / N).toFixed(0).padStart(6)} B/entry`);
  if (held.length === 0) throw new Error("nothing held");
}

measure("duplicate-certificate state (ledger.certificates)", (keep) => {
  const ledger = new RateLimitLedger(rateConfig());
  keep(ledger);
  for (let i = 0; i < N; i++) ledger.certificates.issued(account(i), hex64(i), fresh(randomUUID()), T0 + i, T0 + i);
});

measure("failed-validation window (ledger.failures)", (keep) => {
  const ledger = new RateLimitLedger(rateConfig());
  keep(ledger);
  for (let i = 0; i < N; i++) ledger.failures.add(failureKey(account(i), fresh(`dns:n${i}.example.test`)), T0 + i, T0 + i);
});

measure("managed servers (64 accounts)", (keep) => {
  const servers = new ManagedServers();
  keep(servers);
  for (let i = 0; i < N; i++) servers.issued(account(i), fresh(randomUUID()), T0 + i + 90 * 24 * 3_600_000, T0 + i);
});

measure("spent buckets (one key each)", (keep) => {
  const buckets = new SpentBuckets(bucketRate(20, 3_600_000, 5));
  keep(buckets);
  for (let i = 0; i < N; i++) buckets.spend(fresh(randomUUID()), 1, T0);
});

measure("key table (one IPv4 key each)", (keep) => {
  const table = new KeyTable<number>(4 * N, () => false);
  keep(table);
  for (let i = 0; i < N; i++) table.set(fresh(`10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`), T0 + 1000 + i, T0);
});

// The projections as the server folds them: one acme.certificate.issued per new name.
function issuedEvents(fold: (stored: StoredEvent) => void): void {
  for (let i = 0; i < N; i++) {
    const at = T0 + i;
    const event = certificateIssued(account(i), hex64(i), at);
    fold(
      sealEnvelope({ at: new Date(at).toISOString(), data: event.data, eid: randomUUID(), gp: i + 1, meta: { node: "n" }, prev: GENESIS_HASH, sid: `certificate:${i}`, sv: 1, type: event.type, v: event.v }) as StoredEvent,
    );
  }
}

measure("rate-limit projection, per certificate.issued", (keep) => {
  const projection = rateLimitProjection(rateConfig());
  let state = projection.initial;
  const box = { state };
  keep(box);
  issuedEvents((stored) => (box.state = state = projection.evolve(state, stored)));
});

measure("license projection, per certificate.issued", (keep) => {
  const projection = licenseProjection();
  let state = projection.initial;
  const box = { state };
  keep(box);
  issuedEvents((stored) => (box.state = state = projection.evolve(state, stored)));
});
