/** The bench's printed tables: one row per load step, then Pebble and the ratios. */
import type { ProfileSummary } from "./cpu-profile.js";
import type { LevelResult } from "./load.js";
import { REQUEST_KINDS } from "./order-flow.js";

const COLUMNS = [
  ["clients", 7],
  ["orders", 6],
  ["orders/s", 8],
  ["p50 ms", 7],
  ["p99 ms", 7],
  ["server CPU ms/order", 19],
  ["of it sys", 9],
  ["db CPU ms/order", 15],
  ["requests/order", 14],
  ["authz polls/order", 17],
  ["order polls/order", 17],
  ["bench CPU ms/order", 18],
] as const;

export function tableHeader(): string {
  return COLUMNS.map(([name, width]) => name.padStart(width)).join("  ");
}

export function tableRow(r: LevelResult): string {
  const cells = [
    String(r.clients),
    String(r.orders),
    r.ordersPerSecond.toFixed(1),
    r.p50Ms.toFixed(1),
    r.p99Ms.toFixed(1),
    r.serverCpuMsPerOrder.toFixed(2),
    r.serverSystemMsPerOrder.toFixed(2),
    r.databaseCpuMsPerOrder === undefined ? "-" : r.databaseCpuMsPerOrder.toFixed(2),
    r.requestsPerOrder.toFixed(2),
    r.authzPollsPerOrder.toFixed(2),
    r.orderPollsPerOrder.toFixed(2),
    r.benchCpuMsPerOrder.toFixed(2),
  ];
  const notes = [
    ...(r.badNonceRetries > 0 ? [`${r.badNonceRetries} badNonce retried`] : []),
    ...(r.serverDescendants > 0 ? [`${r.serverDescendants} server child processes`] : []),
  ];
  return cells.map((cell, i) => cell.padStart(COLUMNS[i]?.[1] ?? 0)).join("  ") + (notes.length > 0 ? `  (${notes.join(", ")})` : "");
}

/**
 * Where an order's time goes: the median of each kind of request, per step, then the polling
 * delays the client slept (authz polls and order polls × the poll delay).
 */
export function requestLatencyLines(results: readonly LevelResult[], pollDelayMs: number): string[] {
  const width = (kind: string): number => Math.max(kind.length, 6);
  const header = `${"p50 ms by request".padEnd(18)}  ${REQUEST_KINDS.map((kind) => kind.padStart(width(kind))).join("  ")}  ${"slept/order".padStart(11)}`;
  return [
    header,
    ...results.map((r) => {
      const cells = REQUEST_KINDS.map((kind) => {
        const ms = r.requestP50Ms[kind];
        return (ms === undefined ? "-" : ms.toFixed(2)).padStart(width(kind));
      });
      const slept = (r.authzPollsPerOrder + r.orderPollsPerOrder) * pollDelayMs;
      return `${`${r.clients} client${r.clients === 1 ? "" : "s"}`.padEnd(18)}  ${cells.join("  ")}  ${slept.toFixed(0).padStart(11)}`;
    }),
  ];
}

/** Certeasy ÷ Pebble at each concurrency both were driven at, from the same run. */
export function ratioLines(certeasy: readonly LevelResult[], pebble: readonly LevelResult[]): string[] {
  const lines: string[] = [];
  for (const p of pebble) {
    const c = certeasy.find((r) => r.clients === p.clients);
    if (!c) continue;
    lines.push(
      `${c.target} vs pebble, ${p.clients} client${p.clients === 1 ? "" : "s"}: orders/s ×${(c.ordersPerSecond / p.ordersPerSecond).toFixed(2)}` +
        ` (${c.ordersPerSecond.toFixed(1)} vs ${p.ordersPerSecond.toFixed(1)}), server CPU/order ×${(c.serverCpuMsPerOrder / p.serverCpuMsPerOrder).toFixed(2)}` +
        ` (${c.serverCpuMsPerOrder.toFixed(2)} vs ${p.serverCpuMsPerOrder.toFixed(2)} ms)`,
    );
  }
  return lines;
}

export function targetVerdict(results: readonly LevelResult[], targetMs: number): string {
  const over = results.filter((r) => r.serverCpuMsPerOrder >= targetMs);
  return over.length === 0
    ? `server CPU per order under ${targetMs} ms at every concurrency: target met`
    : `server CPU per order under ${targetMs} ms: NOT met at ${over.map((r) => `${r.clients} clients (${r.serverCpuMsPerOrder.toFixed(2)} ms)`).join(", ")}`;
}

export function profileLines(summary: ProfileSummary, top: number): string[] {
  const pct = (share: number): string => `${(share * 100).toFixed(1).padStart(5)}%`;
  return [
    `sampled ${summary.busyMs.toFixed(0)} ms busy, ${summary.idleMs.toFixed(0)} ms idle on the JavaScript threads${summary.windowApplied ? ", load step only" : ", whole process life (the load-step window did not match the profile clock)"}`,
    "(samples count wall time: waits on the disk inside synchronous calls, or for a free core, are included; read the shares)",
    `top ${top} functions by self time:`,
    ...summary.functions.slice(0, top).map((f) => `  ${pct(f.share)}  ${f.ms.toFixed(0).padStart(6)} ms  ${f.name}`),
    `top ${top} files by self time:`,
    ...summary.files.slice(0, top).map((f) => `  ${pct(f.share)}  ${f.ms.toFixed(0).padStart(6)} ms  ${f.name}`),
    `top ${top} Certeasy functions, counting the libraries they call:`,
    ...summary.ownCode.slice(0, top).map((f) => `  ${pct(f.share)}  ${f.ms.toFixed(0).padStart(6)} ms  ${f.name}`),
  ];
}
