/**
 * How long finalize's CSR check takes: 10,000 distinct P-256 CSRs (two DNS names each, as
 * acme-client or lego would send), each checked once. Not a test — it prints µs per CSR, and for
 * comparison the share node:crypto alone needs for the same CSRs (key import + ECDSA verify); the
 * machine's load shows in both numbers, so compare them with each other rather than across runs.
 *
 *   npx tsx test/acme/csr/csr.bench.ts [count]
 */
import { createPublicKey, verify } from "node:crypto";
import { performance } from "node:perf_hooks";
import { checkCsr, type CsrIdentifier } from "../../../src/acme/csr/index.js";
import { content, elements, encoded, readWhole } from "../../../src/acme/csr/der.js";
import { buildCsr, makeKey } from "./support/build-csr.js";

const count = Number(process.argv[2] ?? 10_000);
const order: CsrIdentifier[] = [{ type: "dns", value: "example.com" }, { type: "dns", value: "www.example.com" }];
const account = "0".repeat(64);

const csrs = Array.from({ length: count }, () => buildCsr({ key: makeKey({ kind: "ec", curve: "P-256" }), names: ["www.example.com", "example.com"] }));

function measure(label: string, run: (der: Uint8Array) => boolean): number {
  for (const der of csrs.slice(0, 200)) run(der); // JIT warm-up
  const started = performance.now();
  let failed = 0;
  for (const der of csrs) if (!run(der)) failed++;
  const perCsr = ((performance.now() - started) * 1000) / count;
  if (failed > 0) throw new Error(`${label}: ${failed} of ${count} CSRs failed; the benchmark is not measuring the accept path`);
  return perCsr;
}

const check = measure("checkCsr", (der) => checkCsr(der, order, account).ok);

// node:crypto's part alone, done the way checkCsr does it: import the point as a JWK, verify.
const cryptoOnly = measure("node:crypto", (der) => {
  const [info, , signature] = elements(readWhole(der, "csr"), "csr");
  const spki = info && elements(info, "info")[2];
  if (!info || !spki || !signature) return false;
  const point = Buffer.from(encoded(spki)).subarray(-64);
  const jwk = { kty: "EC", crv: "P-256", x: point.toString("base64url", 0, 32), y: point.toString("base64url", 32) };
  const key = createPublicKey({ key: jwk, format: "jwk" });
  return verify("sha256", encoded(info), { key, dsaEncoding: "der" }, content(signature).subarray(1));
});

console.log(`checkCsr: ${count} distinct P-256 CSRs, ${check.toFixed(1)} µs/CSR`);
console.log(`  node:crypto alone (createPublicKey + verify): ${cryptoOnly.toFixed(1)} µs/CSR (${((cryptoOnly / check) * 100).toFixed(0)}%)`);
