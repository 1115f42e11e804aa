import { describe, expect, it } from "vitest";
import type { LeaseRow } from "../store/dialect.js";
import { shownRole, STANDBY_SILENCE_MS } from "./shown-role.js";

const now = Date.UTC(2026, 10, 30, 18, 0, 0);
const A = "6f1c2a3b-4d5e-4f60-8a7b-000000000001";
const B = "6f1c2a3b-4d5e-4f60-8a7b-000000000002";
const leaseOf = (holder: string, expiresAt: number): LeaseRow => ({ holderServerId: holder, holderHostname: "ca1", epoch: 3, acquiredAt: now - 60_000, renewedAt: now - 1000, expiresAt });

describe("the role list-servers shows", () => {
  it("is active only for the holder of an unexpired lease, whatever its row says", () => {
    expect(shownRole({ serverId: A, lastSeen: now - 1000, role: "active" }, leaseOf(A, now + 5000), now)).toBe("active");
    // Killed or paused with the lease expired, or taken over: its row cannot say so.
    expect(shownRole({ serverId: A, lastSeen: now - 1000, role: "active" }, leaseOf(A, now - 1), now)).toBe("inactive");
    expect(shownRole({ serverId: A, lastSeen: now - 1000, role: "active" }, leaseOf(B, now + 5000), now)).toBe("inactive");
    expect(shownRole({ serverId: A, lastSeen: now - 1000, role: "active" }, null, now)).toBe("inactive");
    // A standby that just took the lease, before it rewrote its row.
    expect(shownRole({ serverId: B, lastSeen: now - 1000, role: "standby" }, leaseOf(B, now + 5000), now)).toBe("active");
  });

  it("is standby while the standby's heartbeat keeps last_seen within three intervals, inactive after", () => {
    expect(shownRole({ serverId: B, lastSeen: now - STANDBY_SILENCE_MS, role: "standby" }, leaseOf(A, now + 5000), now)).toBe("standby");
    expect(shownRole({ serverId: B, lastSeen: now - STANDBY_SILENCE_MS - 1, role: "standby" }, leaseOf(A, now + 5000), now)).toBe("inactive");
  });

  it("is stopped after a clean stop, and inactive for rows from before the role was recorded", () => {
    expect(shownRole({ serverId: A, lastSeen: now - 86_400_000, role: "stopped" }, leaseOf(B, now + 5000), now)).toBe("stopped");
    expect(shownRole({ serverId: A, lastSeen: now - 1000, role: null }, leaseOf(B, now + 5000), now)).toBe("inactive");
  });
});
