/**
 * The error of an order that CAA records, checked again at finalization, forbid this CA to issue
 * for (RFC 8659 §3): type `caa` (RFC 8555 §6.7) with one subproblem per name (§6.7.1), each name
 * shown as the order lists it (a wildcard with its "*.").
 */
import type { RecordedProblem } from "../../../events/index.js";
import type { CaaRefusal } from "./commands.js";

const SHOWN_NAMES = 5;

export function caaProblem(refusals: readonly CaaRefusal[]): RecordedProblem {
  const subproblems = refusals.map((r) => ({
    type: "caa",
    detail: r.detail,
    identifier: { type: r.identifier.type, value: (r.wildcard ? "*." : "") + r.identifier.value },
  }));
  const [first] = subproblems;
  if (subproblems.length === 1 && first !== undefined) return { type: "caa", detail: first.detail, subproblems };
  const names = subproblems.map((s) => s.identifier.value);
  // At most five names: the detail stays within a recorded problem's 1024 characters.
  const shown = names.length > SHOWN_NAMES ? `${names.slice(0, SHOWN_NAMES).join(", ")} and ${names.length - SHOWN_NAMES} more` : names.join(", ");
  return {
    type: "caa",
    detail: `CAA records forbid this certificate authority to issue for ${names.length} of the order's identifiers (${shown}); see the subproblems.`,
    subproblems,
  };
}
