/**
 * A batch in one round trip. The node that holds the writer lease is the only appender, so after
 * its first commit it knows the head it left, and its order commands name the stream versions
 * they expect. It can plan before reading anything and send BEGIN, the checks, every write and
 * COMMIT in one flight on its own connection (postgres-js pipelines the queries of a
 * connection). The checks raise (`certeasy_expect`, migration append_guard) when what was
 * assumed no longer holds — the head moved (another appender: a takeover, `events recover`),
 * the lease changed hands, a stream is at another version — which aborts the transaction: the
 * writes behind the failed check fail with it and COMMIT rolls back. The caller then appends the
 * usual way (append.ts), which reads what changed and reports it exactly.
 *
 * The same invariants as the four-round-trip append (DESIGN §2 invariants 3 and 8): the head row
 * is locked `FOR UPDATE` before anything is written, and the lease and versions are checked by a
 * second statement that starts once the lock is held, so it sees every commit before it.
 */
import type postgres from "postgres";
import type { AppendCommand, AppendContext, AppendOutcome, LogHead } from "../dialect.js";
import { planAppend } from "../plan-append.js";
import { toEventRow } from "../rows.js";
import { sendStatements } from "./apply-changes.js";
import { logWrites } from "./log-writes.js";
import { projectionStatements } from "./recordset.js";

/** The head row, locked; raises unless it is still where this node's last commit left it. */
const EXPECT_HEAD = `select certeasy_expect(last_position = $1 and last_hash = $2, 'the log head') from es_log_head where id = 1 for update`;

/**
 * Run after the lock: the lease names this node at its epoch (unless unfenced), and every stream
 * is at the version its first command expects (0: the stream does not exist yet).
 */
export const EXPECT_LEASE_AND_VERSIONS = `select certeasy_expect(
    ($1::text is null or exists (select 1 from node_lease l where l.id = 1 and l.holder_server_id = $1::text and l.epoch = $2::bigint))
    and not exists (
      select 1 from certeasy_json_rows($3::text::json) as e
      left join es_streams s on s.stream_id = e->>0
      where coalesce(s.version, 0) <> (e->>1)::int),
    'the writer lease or a stream version')`;

/** Why a one-flight append was not tried, or was rolled back: the caller appends the usual way. */
export const STALE = Symbol("stale");

/** What a committed batch answers, and the head it left. */
export interface Appended {
  readonly outcomes: readonly AppendOutcome[];
  readonly head: LogHead;
}

/**
 * The outcomes, or STALE when the batch does not qualify (a command expects "any" version, or a
 * plan finds a conflict) or a check failed. Rejects with the driver's error when a write fails
 * (a projection constraint, a lost connection), as the usual append does.
 */
export async function appendInOneFlight(
  sql: postgres.Sql,
  head: LogHead,
  commands: readonly AppendCommand[],
  ctx: AppendContext,
): Promise<Appended | typeof STALE> {
  const expected = new Map<string, number>();
  for (const command of commands) {
    if (command.expectedVersion === "any") return STALE;
    if (!expected.has(command.streamId)) expected.set(command.streamId, command.expectedVersion);
  }
  // Read before the lock, unlike the four-trip append: still after this writer's previous commit,
  // and a batch of any other appender in between moves the head, which sends this one the usual way.
  const now = ctx.now();
  const plan = planAppend(head, new Map([...expected].filter(([, version]) => version > 0)), commands, ctx, now);
  // A conflict found on assumed versions says nothing for sure: let the usual append decide.
  if (plan.events.length === 0 || plan.outcomes.some((o) => !o.ok)) return STALE;
  const at = Math.floor(now.getTime());
  const streams = [...plan.streams].map(([streamId, s]) => [streamId, { version: s.version, createdAt: at, updatedAt: at }] as const);
  const projected = projectionStatements(ctx.project(plan.events));
  // Everything above may throw without a byte sent; from here the flight goes out in one go.
  // (Tagged, not unsafe(): a parameterless unsafe() would go as a simple query, parsed each time.)
  const sent: Promise<unknown>[] = [];
  const send = <T>(query: Promise<T>): Promise<T> => {
    sent.push(query);
    return query;
  };
  let begin: Promise<unknown>, checks: Promise<unknown>[], writes: Promise<unknown>[], commit: Promise<{ readonly command: string }>;
  try {
    begin = send(sql`begin`.execute());
    checks = [
      send(sql.unsafe(EXPECT_HEAD, [head.position, head.hash], { prepare: true }).execute()),
      send(sql.unsafe(EXPECT_LEASE_AND_VERSIONS, [ctx.leaseEpoch === null ? null : ctx.serverId, ctx.leaseEpoch, JSON.stringify([...expected])], { prepare: true }).execute()),
    ];
    writes = [...logWrites(sql, plan.events.map(toEventRow), streams, plan.head), ...sendStatements(sql, projected)].map(send);
    commit = send(sql`commit`.execute());
  } catch (error) {
    // Queries go out in order on this one connection: the ROLLBACK ends whatever went out before
    // the throw, so that the next flight's COMMIT cannot commit it.
    await Promise.allSettled([...sent, sql`rollback`.execute()]);
    throw error;
  }
  const [begun, checked, written, committed] = await Promise.all([firstError([begin]), firstError(checks), firstError(writes), firstError([commit])]);
  if (begun !== undefined) throw begun;
  if (checked !== undefined) {
    // The writes behind a failed check fail as "transaction aborted", and COMMIT rolls back.
    if (isFailedExpectation(checked)) return STALE;
    throw checked;
  }
  if (written !== undefined) throw written;
  if (committed !== undefined) throw committed;
  // Every statement succeeded, so COMMIT committed; its tag says so, checked all the same.
  const tag = (await commit).command;
  if (tag !== "COMMIT") throw new Error(`a one-flight append ended with ${tag} instead of COMMIT`);
  return { outcomes: plan.outcomes, head: plan.head };
}

/** The first error among the queries, once all of them have settled (undefined: none failed). */
async function firstError(queries: readonly Promise<unknown>[]): Promise<unknown> {
  const results = await Promise.allSettled(queries);
  return results.find((r): r is PromiseRejectedResult => r.status === "rejected")?.reason;
}

const code = (error: unknown): unknown => (error instanceof Error ? (error as { code?: unknown }).code : undefined);

/** The check's own refusal (certeasy_expect raises P0001 with this text). */
const isFailedExpectation = (error: unknown): boolean =>
  code(error) === "P0001" && error instanceof Error && error.message.includes("changed since this node last appended");
