/** UUIDv7 (RFC 9562 §5.7) as event and request ids: layout, time prefix, uniqueness across pool refills. */
import { describe, expect, it } from "vitest";
import { uuidv7 } from "../../src/store/uuid.js";

const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe("uuidv7", () => {
  it("puts the 48-bit millisecond timestamp first, then version 7 and the RFC 9562 variant", () => {
    const id = uuidv7(0x0123456789ab);
    expect(id).toMatch(UUID_V7);
    expect(id.slice(0, 13)).toBe("01234567-89ab");
    expect(uuidv7(0).slice(0, 13)).toBe("00000000-0000");
    expect(uuidv7(2 ** 48 - 1).slice(0, 13)).toBe("ffffffff-ffff");
  });

  it("gives distinct, well-formed ids across many refills of its random pool", () => {
    const ids = new Set<string>();
    for (let i = 0; i < 5000; i++) {
      const id = uuidv7(1_700_000_000_000);
      expect(id).toMatch(UUID_V7);
      ids.add(id);
    }
    expect(ids.size).toBe(5000);
  });

  it("sorts by creation time across milliseconds", () => {
    expect(uuidv7(1_700_000_000_001) > uuidv7(1_700_000_000_000)).toBe(true);
  });
});
