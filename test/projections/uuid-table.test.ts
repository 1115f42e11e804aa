/**
 * The UUID table behind the per-certificate state of the duplicate-certificate window and the
 * managed servers: every id set is found until deleted or swept, deletions inside a cluster of
 * colliding ids lose none of the others, and a sweep drops exactly the dead entries.
 */
import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { UuidTable } from "../../projections/memory/uuid-table.js";

/** Ids with the same first and last 32 bits land on the same home slot. */
const colliding = (n: number): string => `00000001-${n.toString(16).padStart(4, "0")}-7000-8000-000000000001`;

describe("UuidTable", () => {
  it("finds what was set and only that, through growth and deletions, like a Map", () => {
    const table = new UuidTable<string>(() => false);
    const model = new Map<string, number>();
    const ids = Array.from({ length: 20_000 }, () => randomUUID());
    ids.forEach((id, i) => {
      table.set(id, i, `ref-${i}`, 0);
      model.set(id, i);
      if (i % 3 === 0) {
        const gone = ids[Math.floor(i / 2)] as string;
        const slot = table.find(gone);
        expect(slot === -1).toBe(!model.has(gone));
        if (slot !== -1) table.deleteSlot(slot);
        model.delete(gone);
      }
    });
    expect(table.size).toBe(model.size);
    for (const id of ids) {
      const slot = table.find(id);
      if (!model.has(id)) {
        expect(slot).toBe(-1);
        continue;
      }
      expect(table.value(slot)).toBe(model.get(id));
      expect(table.ref(slot)).toBe(`ref-${model.get(id)}`);
    }
    expect(table.find(randomUUID())).toBe(-1);
  });

  it("reads an id's 128 bits: the same id in capitals is the same entry, and a set overwrites", () => {
    const table = new UuidTable<string>(() => false);
    const id = randomUUID();
    table.set(id, 1, "a", 0);
    table.set(id.toUpperCase(), 2, "b", 0);
    expect(table.size).toBe(1);
    expect(table.value(table.find(id))).toBe(2);
    expect(() => table.find("not-a-uuid")).toThrow(TypeError);
  });

  it("keeps every other member of a cluster of colliding ids when one in the middle is deleted", () => {
    const table = new UuidTable<number>(() => false);
    for (let n = 0; n < 12; n++) table.set(colliding(n), n, n, 0);
    for (const gone of [0, 5, 11, 6]) table.deleteSlot(table.find(colliding(gone)));
    for (let n = 0; n < 12; n++) {
      const slot = table.find(colliding(n));
      if ([0, 5, 11, 6].includes(n)) expect(slot).toBe(-1);
      else expect(table.value(slot)).toBe(n);
    }
    expect(table.size).toBe(8);
  });

  it("sweeps the entries dead at the log time of the growth, and keeps the others", () => {
    // value: an instant; dead once it is not after `at`
    const table = new UuidTable<null>((value, at) => value <= at);
    const early = Array.from({ length: 12 }, () => randomUUID());
    early.forEach((id, i) => table.set(id, 100 + i, null, 0));
    expect(table.size).toBe(12);
    // the 13th entry would fill more than ¾ of the 16 slots: a sweep at 105 drops 100…105
    const late = randomUUID();
    table.set(late, 1_000, null, 105);
    expect(table.size).toBe(7);
    early.forEach((id, i) => expect(table.find(id) === -1).toBe(100 + i <= 105));
    expect(table.value(table.find(late))).toBe(1_000);
  });

  it("stays within 4× its live entries when entries die as fast as they come", () => {
    const table = new UuidTable<null>((value, at) => value <= at);
    for (let i = 0; i < 100_000; i++) table.set(randomUUID(), i + 1_000, null, i);
    // at most the last 1 000 are alive; what is held is what was alive at the last sweep plus what came since
    expect(table.size).toBeLessThan(4 * 1_000);
  });
});
