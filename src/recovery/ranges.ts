/** Positions as short ranges for the operator ("101–120, 125"), at most `max` of them. Pure. */
export function positionRanges(sorted: readonly number[], max = 10): string {
  const ranges: string[] = [];
  let i = 0;
  while (i < sorted.length) {
    const start = sorted[i] ?? 0;
    let end = start;
    while (sorted[i + 1] === end + 1) end = sorted[++i] ?? end;
    ranges.push(start === end ? String(start) : `${start}–${end}`);
    i += 1;
  }
  const shown = ranges.slice(0, max).join(", ");
  return ranges.length > max ? `${shown} and ${ranges.length - max} more range(s)` : shown;
}

/** The positions from `from` to `to` (inclusive) that `present` lacks, in order. */
export function missingPositions(from: number, to: number, present: ReadonlySet<number>): number[] {
  const missing: number[] = [];
  for (let p = from; p <= to; p++) if (!present.has(p)) missing.push(p);
  return missing;
}
