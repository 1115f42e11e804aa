/**
 * Orders by status from one grouped COUNT on the orders projection table: what the table says
 * `certeasy_orders` must be. `/metrics` reads the order status tally folded from the log instead
 * (projections/memory/order-status-tally.ts; a COUNT per scrape was a sequential scan on
 * PostgreSQL); the dialect suite holds the tally to this count and `npm run bench:metrics`
 * compares their costs. Each dialect returns, per stored status, the rows and how many of them are
 * past `expires`; this fold turns that into the statuses a client would read. RFC 8555 §7.1.6:
 * a pending or ready order past its `expires` is invalid — no event marks it (expiry.ts), so the
 * table still says pending/ready and the count moves it here, the way the order resource shows it.
 */
import { sql, type SQL } from "drizzle-orm";
import type { OrderStatus } from "../domain/order/state.js";

/**
 * The statuses that lapse to invalid at `expires` (RFC 8555 §7.1.6; expiry.ts). Dialects count
 * every status through the status index alone, then the lapsed open orders (few) apart — half the
 * time of reading `expires_at` on every row (docs/benchmarks.md, `npm run bench:metrics`).
 */
export const OPEN_ORDER_STATUSES: readonly OrderStatus[] = ["pending", "ready"];

/**
 * One group of the dialect's query: a stored status with rows and lapsed rows (`expires_at <=
 * now`). A status may come in several groups; they add up.
 */
export interface OrderStatusGroup {
  readonly status: string;
  readonly total: number;
  readonly expired: number;
}

export type OrderStatusCounts = Readonly<Record<OrderStatus, number>>;

export const ORDER_STATUSES: readonly OrderStatus[] = ["pending", "ready", "processing", "valid", "invalid"];

export function orderStatusCounts(groups: readonly OrderStatusGroup[]): OrderStatusCounts {
  const counts: Record<OrderStatus, number> = { pending: 0, ready: 0, processing: 0, valid: 0, invalid: 0 };
  for (const { status, total, expired } of groups) {
    if (!isOrderStatus(status)) continue;
    const lapsed = status === "pending" || status === "ready" ? expired : 0;
    counts[status] += total - lapsed;
    counts.invalid += lapsed;
  }
  return counts;
}

/**
 * The count as one drizzle query, for SQLite and PostgreSQL alike (drizzle writes each one's
 * placeholders; table and column names are the same in every dialect, schema-parity.test.ts).
 * SQL Server has its own text (mssql/projection-sql.ts).
 */
export function countOrdersByStatusQuery(now: Date): SQL {
  const open = sql.join(
    OPEN_ORDER_STATUSES.map((status) => sql`${status}`),
    sql`, `,
  );
  return sql`SELECT status, COUNT(*) AS total, 0 AS expired FROM acme_orders GROUP BY status UNION ALL SELECT status, 0, COUNT(*) FROM acme_orders WHERE status IN (${open}) AND expires_at <= ${now.getTime()} GROUP BY status`;
}

/** The rows of a count query, whatever type the driver gives its numbers (PostgreSQL's COUNT is a bigint, read as text). */
export function orderStatusCountsOfRows(rows: readonly Record<string, unknown>[]): OrderStatusCounts {
  return orderStatusCounts(rows.map((row) => ({ status: String(row["status"]), total: Number(row["total"]), expired: Number(row["expired"]) })));
}

const isOrderStatus = (status: string): status is OrderStatus => (ORDER_STATUSES as readonly string[]).includes(status);
