/**
 * Builds real, signed PKCS#10 requests with node:crypto keys, field by field, so that each test
 * can change exactly one thing (a subject attribute, an extension, the signature algorithm, an
 * encoding detail) and still present a correctly signed CSR.
 */
import { createHash, generateKeyPairSync, sign, type KeyObject } from "node:crypto";
import { isIP } from "node:net";
import { bits, bool, nul, octets, oid, seq, set, tlv, utf8, type Bytes } from "./der-encode.js";

export interface TestKey {
  readonly kind: "rsa" | "ec" | "ed25519";
  readonly privateKey: KeyObject;
  readonly publicKey: KeyObject;
  readonly spki: Bytes;
  readonly spkiSha256: string;
}

export type KeySpec = { kind: "ec"; curve: "P-256" | "P-384" | "P-521" | "secp256k1" } | { kind: "rsa"; bits: number; exponent?: number } | { kind: "ed25519" };

export function makeKey(spec: KeySpec): TestKey {
  const pair =
    spec.kind === "ec"
      ? generateKeyPairSync("ec", { namedCurve: spec.curve })
      : spec.kind === "rsa"
        ? generateKeyPairSync("rsa", { modulusLength: spec.bits, publicExponent: spec.exponent ?? 65537 })
        : generateKeyPairSync("ed25519");
  const spki = new Uint8Array(pair.publicKey.export({ format: "der", type: "spki" }));
  return { kind: spec.kind, ...pair, spki, spkiSha256: sha256Hex(spki) };
}

export const sha256Hex = (bytes: Bytes): string => createHash("sha256").update(bytes).digest("hex");

export const OID = {
  sha256WithRsa: "1.2.840.113549.1.1.11",
  sha384WithRsa: "1.2.840.113549.1.1.12",
  sha512WithRsa: "1.2.840.113549.1.1.13",
  ecdsaSha256: "1.2.840.10045.4.3.2",
  ecdsaSha384: "1.2.840.10045.4.3.3",
  ecdsaSha512: "1.2.840.10045.4.3.4",
  ed25519: "1.3.101.112",
  cn: "2.5.4.3",
  extensionRequest: "1.2.840.113549.1.9.14",
  san: "2.5.29.17",
  eku: "2.5.29.37",
  serverAuth: "1.3.6.1.5.5.7.3.1",
  clientAuth: "1.3.6.1.5.5.7.3.2",
} as const;

export type Hash = "sha256" | "sha384" | "sha512";

/** The usual algorithm for a key: ECDSA and RSA with `hash`, Ed25519 alone. */
export function signatureAlgorithmFor(key: TestKey, hash: Hash = "sha256"): Bytes {
  if (key.kind === "ed25519") return seq(oid(OID.ed25519));
  if (key.kind === "ec") return seq(oid({ sha256: OID.ecdsaSha256, sha384: OID.ecdsaSha384, sha512: OID.ecdsaSha512 }[hash]));
  return seq(oid({ sha256: OID.sha256WithRsa, sha384: OID.sha384WithRsa, sha512: OID.sha512WithRsa }[hash]), nul());
}

// GeneralName and extension helpers.
export const dnsName = (name: string): Bytes => tlv(0x82, Uint8Array.from(name, (c) => c.charCodeAt(0)));
export function ipAddress(text: string): Bytes {
  if (isIP(text) === 4) return tlv(0x87, Uint8Array.from(text.split(".").map(Number)));
  const [head = "", tail] = text.includes("::") ? text.split("::") : [text, undefined];
  const headGroups = head ? head.split(":") : [];
  const tailGroups = tail ? tail.split(":") : [];
  const groups = tail === undefined ? headGroups : [...headGroups, ...Array<string>(8 - headGroups.length - tailGroups.length).fill("0"), ...tailGroups];
  return tlv(0x87, Uint8Array.from(groups.flatMap((group) => [parseInt(group, 16) >> 8, parseInt(group, 16) & 0xff])));
}
export const extension = (id: string, value: Bytes, critical?: boolean): Bytes =>
  seq(oid(id), ...(critical === undefined ? [] : [bool(critical)]), octets(value));
export const sanExtension = (...names: readonly Bytes[]): Bytes => extension(OID.san, seq(...names));
export const ekuExtension = (...purposes: readonly string[]): Bytes => extension(OID.eku, seq(...purposes.map(oid)));
export const extensionRequest = (...extensions: readonly Bytes[]): Bytes => seq(oid(OID.extensionRequest), set(seq(...extensions)));
export const attribute = (id: string, ...values: readonly Bytes[]): Bytes => seq(oid(id), set(...values));
export const rdn = (id: string, value: Bytes): Bytes => set(seq(oid(id), value));
export const cnName = (cn: string): Bytes => seq(rdn(OID.cn, utf8(cn)));

/** SANs from plain strings: IP text becomes iPAddress, anything else dNSName. */
export const sanFor = (...names: readonly string[]): Bytes => sanExtension(...names.map((n) => (isIP(n) ? ipAddress(n) : dnsName(n))));

export interface CsrSpec {
  readonly key: TestKey;
  /** Encoded Name; default the empty subject. */
  readonly subject?: Bytes;
  /** Encoded Extension list for the extensionRequest; default the SAN of `names`. */
  readonly extensions?: readonly Bytes[];
  readonly names?: readonly string[];
  /** Encoded Attribute list replacing the extensionRequest entirely. */
  readonly attributes?: readonly Bytes[];
  readonly hash?: Hash;
  /** Encoded AlgorithmIdentifier, written into the CSR in place of the key's own. */
  readonly signatureAlgorithm?: Bytes;
  /** Encoded version INTEGER; default 0. */
  readonly version?: Bytes;
  /** Encoded SPKI written into the CSR in place of the key's own (the signature still uses `key`). */
  readonly spki?: Bytes;
  /** Rewrites the signed request info before it is signed (for encoding tests). */
  readonly mangleInfo?: (info: Bytes) => Bytes;
  /** Rewrites the signature value (for encoding tests). */
  readonly mangleSignature?: (signature: Bytes) => Bytes;
}

export function buildCsr(spec: CsrSpec): Bytes {
  const attributes = spec.attributes ?? [extensionRequest(...(spec.extensions ?? [sanFor(...(spec.names ?? ["example.com"]))]))];
  const rawInfo = seq(spec.version ?? Uint8Array.of(0x02, 0x01, 0x00), spec.subject ?? seq(), spec.spki ?? spec.key.spki, tlv(0xa0, ...attributes));
  const info = spec.mangleInfo ? spec.mangleInfo(rawInfo) : rawInfo;
  const hash = spec.hash ?? "sha256";
  const signature = new Uint8Array(
    spec.key.kind === "ed25519"
      ? sign(null, info, spec.key.privateKey)
      : spec.key.kind === "ec"
        ? sign(hash, info, { key: spec.key.privateKey, dsaEncoding: "der" })
        : sign(hash, info, spec.key.privateKey),
  );
  const signatureValue = spec.mangleSignature ? spec.mangleSignature(signature) : signature;
  return seq(info, spec.signatureAlgorithm ?? signatureAlgorithmFor(spec.key, hash), bits(signatureValue));
}

