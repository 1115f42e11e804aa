/**
 * Certificate revocation (RFC 8555 §7.6). Who may revoke: the account that ordered the
 * certificate, any account holding valid authorizations for all its identifiers, or whoever
 * holds the certificate's key. The certificate is found by its issuer key identifier and
 * serial (the unique index), or by its key digest when it carries no AKI, and then matched byte
 * for byte, so a request can never reach another certificate by a crafted serial. Not by the key
 * digest first: a client that keeps its key across renewals (certbot --reuse-key) has one
 * certificate per renewal under it, and each revocation would read them all. The answer does not wait for the CA: once the revocation is in the log, the
 * revocation work queue (revocation-work.ts) tells the certificate's authority.
 */
import { X509Certificate, createHash } from "node:crypto";
import { fromPem } from "../../ca/der/pem.js";
import { authorityKeyIdHex, serialHex } from "../../ca/x509/certificate-ids.js";
import { authorizationKey, effectiveAuthorizationStatus, type Identifier } from "../../domain/order/index.js";
import type { DomainError } from "../../domain/domain-error.js";
import type { CertificateRow } from "../../../projections/index.js";
import type { RequestMeta } from "../accounts/account-service.js";
import type { OrderOutcome, OrderService } from "./order-service.js";

export type RevocationSigner =
  | { readonly kind: "account"; readonly accountId: string }
  /** the JWS carried a `jwk`: the digest of its DER SubjectPublicKeyInfo */
  | { readonly kind: "certificate-key"; readonly spkiSha256: string };

export interface RevocationDeps {
  readonly orders: OrderService;
  readonly clock: () => Date;
}

const refused = (error: DomainError): OrderOutcome => ({ kind: "rejected", error });
const notOurs = (): OrderOutcome => refused({ type: "malformed", detail: "The certificate was not issued by this server." });

export async function revokeCertificate(
  deps: RevocationDeps,
  request: { readonly certificate: Uint8Array; readonly reason: number; readonly signer: RevocationSigner },
  meta: RequestMeta,
): Promise<OrderOutcome> {
  const parsed = parseCertificate(request.certificate);
  if (!parsed) return refused({ type: "malformed", detail: "certificate must be the base64url DER encoding of an X.509 certificate." });
  const row = (await certificateNamed(deps, parsed)).find((c) => leafDer(c.chainPem)?.equals(parsed.der));
  if (!row) return notOurs();

  const authorisedBy = await whoMayRevoke(deps, row, request.signer);
  if (!authorisedBy) {
    return refused({ type: "unauthorized", detail: "The request is signed neither by the certificate's account, by an account authorized for all its identifiers, nor by its key." });
  }
  const accountId = request.signer.kind === "account" ? request.signer.accountId : null;
  return deps.orders.change(row.orderId, () => ({ kind: "revoke", reason: request.reason, authorisedBy, accountId }), meta);
}

async function whoMayRevoke(
  deps: RevocationDeps,
  row: CertificateRow,
  signer: RevocationSigner,
): Promise<"issuing-account" | "authorized-account" | "certificate-key" | null> {
  if (signer.kind === "certificate-key") return signer.spkiSha256 === row.spkiSha256 ? "certificate-key" : null;
  if (signer.accountId === row.accountId) return "issuing-account";
  const now = deps.clock();
  // A certificate lists a wildcard as "*.name"; its authorization is for "name" with the wildcard flag.
  const needed = (JSON.parse(row.identifiers) as Identifier[]).map((i) =>
    i.value.startsWith("*.") ? { identifier: { type: i.type, value: i.value.slice(2) }, wildcard: true } : { identifier: i, wildcard: false },
  );
  // Only the certificate's names are looked up, not the signer's whole history (order-service.ts).
  const held = new Set<string>();
  for (const value of new Set(needed.map((n) => n.identifier.value))) {
    for (const a of await deps.orders.authorizationsFor(signer.accountId, value)) {
      if (effectiveAuthorizationStatus(a, now) === "valid") held.add(authorizationKey({ type: a.identifierType, value: a.identifierValue }, a.wildcard));
    }
  }
  return needed.every((n) => held.has(authorizationKey(n.identifier, n.wildcard))) ? "authorized-account" : null;
}

interface PresentedCertificate {
  readonly der: Buffer;
  readonly spkiSha256: string;
  readonly akiHex: string | undefined;
  readonly serialHex: string | undefined;
}

function parseCertificate(der: Uint8Array): PresentedCertificate | null {
  try {
    const certificate = new X509Certificate(Buffer.from(der));
    const spki = certificate.publicKey.export({ type: "spki", format: "der" });
    const raw = Buffer.from(certificate.raw);
    return { der: raw, spkiSha256: createHash("sha256").update(spki).digest("hex"), akiHex: authorityKeyIdHex(raw), serialHex: serialHex(raw) };
  } catch {
    return null;
  }
}

/**
 * The rows that may be this certificate: by (AKI, serial) when it names them — every backend
 * stores a certificate's own AKI when it has one (IssuedCertificate.akiHex), so a miss means not
 * ours — else, for a certificate without an AKI, by key digest.
 */
async function certificateNamed(deps: RevocationDeps, presented: PresentedCertificate): Promise<readonly CertificateRow[]> {
  if (presented.akiHex === undefined || presented.serialHex === undefined) return deps.orders.certificatesByKey(presented.spkiSha256);
  const row = await deps.orders.certificateBySerial(presented.akiHex, presented.serialHex);
  return row ? [row] : [];
}

function leafDer(chainPem: string): Buffer | null {
  try {
    return fromPem(chainPem, "CERTIFICATE");
  } catch {
    return null;
  }
}
