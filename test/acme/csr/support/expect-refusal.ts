import { expect } from "vitest";
import type { CsrCheck } from "../../../../src/acme/csr/index.js";

/** The CSR was refused with one client-safe sentence matching `detail`. */
export function expectRefused(result: CsrCheck, detail: RegExp): void {
  expect(result).toMatchObject({ ok: false });
  if (result.ok) return;
  expect(result.detail).toMatch(detail);
  expect(result.detail).toMatch(/^[A-Z][^\n]*\.$/);
  expect(result.detail).not.toMatch(/Error|at .*:\d+|undefined|\[object/);
}

export function expectAccepted(result: CsrCheck): Extract<CsrCheck, { ok: true }>["csr"] {
  if (!result.ok) throw new Error(`expected the CSR to be accepted, but: ${result.detail}`);
  return result.csr;
}
