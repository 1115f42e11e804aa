/**
 * `npm run bench:metrics`: what a `/metrics` scrape costs with many orders (issue 6,
 * `certeasy_orders{status}`). N orders (default 10,000 and 100,000) in the mix a long-running
 * server holds — mostly valid, some invalid, a few pending/ready of which half are past
 * `expires` — are written twice: as rows of `acme_orders` (for the grouped COUNT a scrape ran
 * before the s7-ops branch) and as their events, folded into the order status tally the way
 * boot hydration does. Timed: the COUNT alone, the fold (what the tally adds to a boot), the
 * first scrape (it lapses the expired open orders), then whole registry expositions with the
 * tally and without `certeasy_orders`, on SQLite and, when it answers at 127.0.0.1:5432,
 * PostgreSQL. The tally and the COUNT must agree.
 *
 * Options: --orders 10000,100000 (sizes), --scrapes N (timed scrapes per size, default 30),
 * --only sqlite|postgres.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { randomUUID } from "node:crypto";
import Database from "better-sqlite3";
import postgres from "postgres";
import { OrderCreated, type StoredEvent } from "../../events/index.js";
import { orderStatusTallyProjection, type OrderStatusTally } from "../../projections/index.js";
import { CerteasyMetrics } from "../../src/observability/metrics.js";
import type { EventStoreDialect } from "../../src/store/dialect.js";
import { openDialect } from "../../src/store/open.js";
import { postgresForTests } from "../support/postgres.js";

const args = process.argv.slice(2);
const option = (name: string): string | undefined => (args.includes(name) ? args[args.indexOf(name) + 1] : undefined);
const sizes = (option("--orders") ?? "10000,100000").split(",").map(Number);
const scrapes = Number(option("--scrapes") ?? 30) || 30;
const only = option("--only");
const NOW = Date.now();
const HOUR = 3_600_000;

/** The status and expiry of order i: 90% valid, 6% invalid, 2% pending, 1% ready, 1% processing; half the open ones expired. */
function orderAt(i: number): { status: string; expiresAt: number } {
  const slot = i % 100;
  const status = slot < 90 ? "valid" : slot < 96 ? "invalid" : slot < 98 ? "pending" : slot < 99 ? "ready" : "processing";
  return { status, expiresAt: NOW + (i % 2 === 0 ? HOUR : -HOUR) };
}

const COLUMNS = "order_id, account_id, status, identifiers, identifiers_hash, expires_at, authorization_ids, created_at, updated_at";

async function fillSqlite(path: string, from: number, to: number): Promise<void> {
  const db = new Database(path);
  const insert = db.prepare(`INSERT INTO acme_orders (${COLUMNS}) VALUES (?, ?, ?, '["dns:a.test"]', ?, ?, '[]', ?, ?)`);
  db.transaction(() => {
    for (let i = from; i < to; i++) {
      const { status, expiresAt } = orderAt(i);
      insert.run(randomUUID(), randomUUID(), status, "0".repeat(64), expiresAt, NOW, NOW);
    }
  })();
  db.close();
}

async function fillPostgres(sql: postgres.Sql, schema: string, from: number, to: number): Promise<void> {
  const rows = Array.from({ length: to - from }, (_, k) => {
    const { status, expiresAt } = orderAt(from + k);
    return { order_id: randomUUID(), account_id: randomUUID(), status, identifiers: '["dns:a.test"]', identifiers_hash: "0".repeat(64), expires_at: expiresAt, authorization_ids: "[]", created_at: NOW, updated_at: NOW };
  });
  for (let i = 0; i < rows.length; i += 5_000) await sql`INSERT INTO ${sql(schema)}.acme_orders ${sql(rows.slice(i, i + 5_000))}`;
}

const ms = (start: bigint): number => Number(process.hrtime.bigint() - start) / 1e6;
const quantile = (sorted: readonly number[], q: number): number => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN;

/** The events of order i, committed over the two hours before NOW; the moves of `orderAt`'s status. */
function eventsOfOrder(i: number, gp: () => number): StoredEvent[] {
  const { status, expiresAt } = orderAt(i);
  const orderId = randomUUID();
  const authzId = randomUUID();
  const at = new Date(NOW - 2 * HOUR + i).toISOString();
  const expires = new Date(expiresAt).toISOString();
  const created = OrderCreated.create({
    orderId, accountId: randomUUID(), identifiers: [{ type: "dns", value: "a.test" }], identifiersHash: "0".repeat(64), notBefore: null, notAfter: null,
    expires, policy: "default", profile: null, replacesCertificateId: null, authorizationIds: [authzId],
    newAuthorizations: [{ authzId, identifier: { type: "dns", value: "a.test" }, wildcard: false, expires, challenges: [{ challengeId: randomUUID(), type: "dns-01", token: "A".repeat(43) }] }],
  });
  const moves: Record<string, readonly string[]> = {
    pending: [],
    ready: ["acme.order.ready"],
    processing: ["acme.order.ready", "acme.order.finalizing"],
    valid: ["acme.order.ready", "acme.order.finalizing", "acme.order.valid"],
    invalid: ["acme.order.invalid"],
  };
  // Only type, stream, time, version and data are read by the fold; the rest is filler.
  const envelope = (type: string, v: number, data: StoredEvent["data"], sv: number): StoredEvent => ({
    at, data, eid: randomUUID(), gp: gp(), meta: { node: "bench" }, prev: "", sid: `order:${orderId}`, sv, type, v, body: "", hash: "",
  });
  return [envelope(created.type, created.v, created.data, 1), ...(moves[status] ?? []).map((type, k) => envelope(type, 1, {}, k + 2))];
}

/** The tally a boot would fold for orders [from, to), and the time the fold took. */
function foldOrders(tally: OrderStatusTally, from: number, to: number): { tally: OrderStatusTally; ms: number } {
  let position = 0;
  const events = Array.from({ length: to - from }, (_, k) => eventsOfOrder(from + k, () => ++position)).flat();
  const start = process.hrtime.bigint();
  let state = tally;
  for (const event of events) state = orderStatusTallyProjection.evolve(state, event);
  return { tally: state, ms: ms(start) };
}

async function measure(driver: string, dialect: EventStoreDialect, size: number, tally: OrderStatusTally, foldMs: number): Promise<void> {
  const metrics = new CerteasyMetrics();
  metrics.watchOrders((now) => tally.counts(now), () => new Date());
  const bare = new CerteasyMetrics();
  const open = tally.openOrders;
  let start = process.hrtime.bigint();
  const tallied = tally.counts(new Date());
  const firstScrape = ms(start);
  const counts = await dialect.countOrdersByStatus(new Date());
  const total = Object.values(counts).reduce((a, b) => a + b, 0);
  if (total !== size) throw new Error(`${driver}: counted ${total} orders, filled ${size}`);
  if (JSON.stringify(tallied) !== JSON.stringify(counts)) throw new Error(`${driver}: the tally ${JSON.stringify(tallied)} is not the COUNT ${JSON.stringify(counts)}`);
  await metrics.exposition(); // warm up: statement preparation, JIT
  const count: number[] = [];
  const scrape: number[] = [];
  const bareScrape: number[] = [];
  for (let i = 0; i < scrapes; i++) {
    start = process.hrtime.bigint();
    await dialect.countOrdersByStatus(new Date());
    count.push(ms(start));
    start = process.hrtime.bigint();
    await metrics.exposition();
    scrape.push(ms(start));
    start = process.hrtime.bigint();
    await bare.exposition();
    bareScrape.push(ms(start));
  }
  for (const list of [count, scrape, bareScrape]) list.sort((a, b) => a - b);
  const f = (n: number): string => n.toFixed(2);
  console.log(
    `| ${driver} | ${size.toLocaleString("en")} | ${f(quantile(count, 0.5))} | ${f(quantile(scrape, 0.5))} | ${f(quantile(bareScrape, 0.5))} | ${f(foldMs)} | ${f(firstScrape)} | ${open} → ${tally.openOrders} | ${JSON.stringify(counts)} |`,
  );
}

console.log(`${scrapes} scrapes per size; ms`);
console.log("| driver | orders | COUNT p50 (before) | scrape p50 (tally) | scrape p50 without certeasy_orders | fold (boot) | first scrape | open orders held | counts |");
console.log("|---|---:|---:|---:|---:|---:|---:|---:|---|");

if (only !== "postgres") {
  const dir = await mkdtemp(join(tmpdir(), "certeasy-metrics-bench-"));
  const path = join(dir, "db.sqlite");
  const dialect = await openDialect({ driver: "sqlite", path });
  await dialect.migrate();
  let filled = 0;
  let tally = orderStatusTallyProjection.initial;
  for (const size of sizes) {
    await fillSqlite(path, filled, size);
    const folded = foldOrders(tally, filled, size);
    tally = folded.tally;
    filled = size;
    await measure("sqlite", dialect, size, tally, folded.ms);
  }
  await dialect.close();
  await rm(dir, { recursive: true, force: true });
}

if (only !== "sqlite") {
  const pg = postgresForTests("metrics_bench");
  await pg.setup();
  const options = pg.storeOptions();
  if (options?.driver === "postgres") {
    const dialect = await openDialect(options);
    await dialect.migrate();
    const sql = postgres(options.dsn, { max: 1, onnotice: () => undefined });
    let filled = 0;
    let tally = orderStatusTallyProjection.initial;
    for (const size of sizes) {
      await fillPostgres(sql, options.schema ?? "public", filled, size);
      const folded = foldOrders(tally, filled, size);
      tally = folded.tally;
      filled = size;
      await sql`ANALYZE ${sql(options.schema ?? "public")}.acme_orders`;
      await measure("postgres", dialect, size, tally, folded.ms);
    }
    await sql.end({ timeout: 5 });
    await dialect.close();
  }
  await pg.teardown();
}
