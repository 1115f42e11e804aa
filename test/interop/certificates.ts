/**
 * What a client got is checked the way a relying party would: `openssl verify` builds the chain
 * from the leaf through the issuing CA the server sent to the root `serve` printed, and the leaf
 * names exactly the identifiers that were ordered (dNSName and iPAddress SANs), for the key the
 * client holds.
 */
import { X509Certificate, createPrivateKey, createPublicKey } from "node:crypto";
import { readFile, writeFile } from "node:fs/promises";
import { runProgram, type ProgramResult } from "./processes.js";
import { ScenarioFailure, tail } from "./scenario.js";

export type ExpectedKey =
  | { readonly type: "ec"; readonly curve: "prime256v1" | "secp384r1" }
  | { readonly type: "rsa"; readonly bits: number }
  | { readonly type: "ed25519" };

export interface IssuedFiles {
  /** PEM file whose first certificate is the leaf (lego's .crt also carries the issuer) */
  readonly leafPath: string;
  /** PEM file with the intermediate(s) the server returned after the leaf */
  readonly chainPath: string;
  /** the client's private key for this certificate */
  readonly keyPath: string;
}

export interface Expectation {
  readonly rootCaPath: string;
  /** the identifiers ordered (DNS names, IP addresses), in any order */
  readonly names: readonly string[];
  readonly key: ExpectedKey;
}

export interface IssuedCertificate {
  readonly leaf: X509Certificate;
  readonly leafPem: string;
  readonly chainPem: string;
  /** upper-case hex, as node prints it */
  readonly serial: string;
}

const PEM_BLOCK = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

export function pemCertificates(text: string): string[] {
  return [...text.matchAll(PEM_BLOCK)].map((match) => `${match[0]}\n`);
}

/** `DNS:a.test, DNS:*.b.test` → the dNSName values, lower-cased, sorted. */
export function dnsNames(subjectAltName: string | undefined): string[] {
  return sanValues(subjectAltName, "DNS:").map((name) => name.toLowerCase());
}

/** `IP Address:127.0.0.1, DNS:a.test` → the iPAddress values (RFC 8738 identifiers), sorted. */
export function ipAddresses(subjectAltName: string | undefined): string[] {
  return sanValues(subjectAltName, "IP Address:");
}

function sanValues(subjectAltName: string | undefined, prefix: string): string[] {
  return (subjectAltName ?? "")
    .split(",")
    .map((entry) => entry.trim())
    .filter((entry) => entry.startsWith(prefix))
    .map((entry) => entry.slice(prefix.length))
    .sort();
}

function describeKey(certificate: X509Certificate): string {
  const key = certificate.publicKey;
  const details = key.asymmetricKeyDetails ?? {};
  return key.asymmetricKeyType === "rsa" ? `RSA ${details.modulusLength ?? "?"}` : `${key.asymmetricKeyType ?? "?"} ${details.namedCurve ?? ""}`.trim();
}

/** A private key as the checks name it: `RSA 3072`, `ec prime256v1`, `ed25519`. */
export function describePrivateKey(pem: string): string {
  const key = createPrivateKey(pem);
  const details = key.asymmetricKeyDetails ?? {};
  return key.asymmetricKeyType === "rsa" ? `RSA ${details.modulusLength ?? "?"}` : `${key.asymmetricKeyType ?? "?"} ${details.namedCurve ?? ""}`.trim();
}

function keyMatches(certificate: X509Certificate, expected: ExpectedKey): boolean {
  const key = certificate.publicKey;
  const details = key.asymmetricKeyDetails ?? {};
  if (expected.type === "ed25519") return key.asymmetricKeyType === "ed25519";
  return expected.type === "rsa"
    ? key.asymmetricKeyType === "rsa" && details.modulusLength === expected.bits
    : key.asymmetricKeyType === "ec" && details.namedCurve === expected.curve;
}

/**
 * A client that keeps leaf and chain in one file (uacme's `cert.pem`): the leaf is its first
 * certificate, the chain the rest, written to `<scratch>.issuers` for checkIssued.
 */
export async function fullChainFiles(fullChainPath: string, keyPath: string, scratch: string): Promise<IssuedFiles> {
  const issuers = pemCertificates(await readFile(fullChainPath, "utf8").catch(() => "")).slice(1);
  const chainPath = `${scratch}.issuers`;
  await writeFile(chainPath, issuers.join(""));
  return { leafPath: fullChainPath, chainPath, keyPath };
}

/** openssl's verdict on `leaf`, chained through `chain` to `rootCaPath`. */
export async function opensslVerify(rootCaPath: string, chainPath: string, leafPath: string, extraArgs: readonly string[] = []): Promise<ProgramResult> {
  return runProgram("openssl", ["verify", ...extraArgs, "-CAfile", rootCaPath, "-untrusted", chainPath, leafPath], { timeoutMs: 15_000 });
}

/**
 * Check an issued certificate; `scratch` is a file path the leaf alone is written to (openssl
 * verify reads only the first certificate of a file, but a bundle would hide that).
 */
export async function checkIssued(files: IssuedFiles, expected: Expectation, scratch: string): Promise<IssuedCertificate> {
  const leafText = await readFile(files.leafPath, "utf8").catch(() => "");
  const [leafPem] = pemCertificates(leafText);
  if (leafPem === undefined) throw new ScenarioFailure(`the client wrote no certificate to ${files.leafPath}`);
  const chainPem = pemCertificates(await readFile(files.chainPath, "utf8").catch(() => "")).join("");
  if (chainPem === "") throw new ScenarioFailure(`the client wrote no issuing CA certificate to ${files.chainPath}`);
  await writeFile(scratch, leafPem);
  await writeFile(`${scratch}.chain`, chainPem);

  const verdict = await opensslVerify(expected.rootCaPath, `${scratch}.chain`, scratch);
  if (verdict.code !== 0 || !verdict.stdout.includes(": OK")) {
    throw new ScenarioFailure("openssl verify does not chain the leaf to the server's root CA", tail(verdict.stdout + verdict.stderr, 6));
  }

  const leaf = new X509Certificate(leafPem);
  const issuer = new X509Certificate(chainPem);
  if (!leaf.checkIssued(issuer) || !leaf.verify(issuer.publicKey)) throw new ScenarioFailure(`the leaf was not signed by the chain's first certificate (${issuer.subject.replaceAll("\n", ", ")})`);
  const now = Date.now();
  if (Date.parse(leaf.validFrom) > now || Date.parse(leaf.validTo) < now) throw new ScenarioFailure(`the leaf is not valid now (${leaf.validFrom} – ${leaf.validTo})`);
  const got = [...dnsNames(leaf.subjectAltName), ...ipAddresses(leaf.subjectAltName)].sort();
  const want = expected.names.map((name) => name.toLowerCase()).sort();
  if (got.join(",") !== want.join(",")) throw new ScenarioFailure(`the leaf names ${got.join(", ") || "nothing"}, expected ${want.join(", ")}`);
  if (!keyMatches(leaf, expected.key)) {
    const wanted = expected.key.type === "rsa" ? `RSA ${expected.key.bits}` : expected.key.type === "ec" ? `ec ${expected.key.curve}` : "ed25519";
    throw new ScenarioFailure(`the leaf's key is ${describeKey(leaf)}, expected ${wanted}`);
  }
  const held = createPublicKey(createPrivateKey(await readFile(files.keyPath, "utf8"))).export({ type: "spki", format: "der" });
  if (!held.equals(leaf.publicKey.export({ type: "spki", format: "der" }))) throw new ScenarioFailure(`the leaf does not certify the key the client holds (${files.keyPath})`);
  return { leaf, leafPem, chainPem, serial: leaf.serialNumber };
}
