/**
 * The embedded CA (`authorities[].type: local`): an issuing CA under the bootstrap root, both in
 * `dir` (normally `<workdir>/local-ca`), issuing leaves in-process and publishing CRLs: one per
 * shard, named by the leaves whose serials fall in it, and the legacy CRL that certificates
 * issued before partitioning name (crl-partition.ts).
 *
 * Idempotency: `submit` remembers, in memory, the certificate issued for each request key, so a
 * retried submit in the same process returns the same certificate instead of a second one. That
 * memory is small (the most recent 1,000 keys) and dies with the process: the guard that holds
 * across restarts is the caller's — the request key is recorded in the event log before submit
 * and the issued certificate after it (DESIGN §2.9).
 *
 * The local CA never answers `pending`, so `poll` only ever finds what `submit` already returned.
 */
import type { AuthorityHealth, CertificateAuthority, IssuanceRequest, IssuedCertificate, SubmitOutcome } from "../authority.js";
import { ecdsaP256Signer } from "../x509/signer.js";
import { ensureLocalRootCa } from "./bootstrap.js";
import { ensurePrivateDirectory } from "./bootstrap-keys.js";
import { LocalAuthorityError } from "./errors.js";
import { leafIssuer } from "./issue-leaf.js";
import { ensureIssuingCa, loadProvidedIssuingCa, type ProvidedCaFiles } from "./issuing-ca.js";
import type { KeyPassword } from "./key-protection.js";
import { openCrlPublisher } from "./crl-publisher.js";
import { rememberCrlUrl, shardCrlUrl } from "./crl-urls.js";
import { revocationPaths } from "./revocation-store.js";
import { canonicalSerialHex } from "./serial.js";

export const DEFAULT_CERTIFICATE_LIFETIME_MS = 90 * 86_400_000;
const MIN_CERTIFICATE_LIFETIME_MS = 3_600_000;
/**
 * The window of in-process idempotency: a resubmission comes within moments of the first (an
 * optimistic retry of finalize, a retried queue job), and the answer is in the log by then.
 * About 6 KB a certificate (leaf and chain PEM): 1,000 keep it near 6 MB, where 10,000 held 59 MB
 * in a heap snapshot of a sustained run. A resubmission past the window issues a second
 * certificate that is never recorded — harmless for a CA inside the process.
 */
const REMEMBERED_REQUESTS = 1_000;
/**
 * RFC 5280 §5.3.1 reasons a revocation may carry: all but 7 (unused) and 8 (removeFromCRL, which
 * only delta CRLs use — revocation here is final).
 */
const REVOCATION_REASONS = new Set([0, 1, 2, 3, 4, 5, 6, 9, 10]);
const HEALTH_PROBE = Buffer.from("certeasy local CA health probe");

export interface LocalAuthorityOptions {
  readonly dir: string;
  /** the authority's configured name; also names the issuing CA ("<name> Issuing CA") */
  readonly name: string;
  /**
   * where the HTTP layer serves `crlDer()`, the legacy CRL, e.g. https://acme.example/crl/<name>.crl;
   * `shardCrlDer(shard)` is served at the same less its ".crl", then "/<shard>.crl"
   * (https://acme.example/crl/<name>/3.crl). Recorded in the CA's directory (crl-urls.ts): the
   * CRLs keep covering certificates that named an earlier one.
   */
  readonly crlUrl: string;
  /** `crl-shards`: used when the CA first records its revocation list, refused if it differs later (crl-partition.ts) */
  readonly crlShards?: number | undefined;
  /** where the HTTP layer serves the issuing CA certificate (AIA caIssuers); omitted if unset */
  readonly caIssuersUrl?: string | undefined;
  /** default 90 days (behaviour reference §3.2 `certificate-validity: 2160h`) */
  readonly certificateLifetimeMs?: number | undefined;
  readonly now: () => Date;
  /** encrypts the CA keys in `dir` (and opens encrypted ones); null: plain PKCS#8, mode 0600 */
  readonly keyPassword?: KeyPassword | null | undefined;
  /** the operator's issuing CA and root, used where they are instead of generating them in `dir` */
  readonly provided?: ProvidedCaFiles | undefined;
}

export interface LocalAuthority extends CertificateAuthority {
  /** the legacy CRL, DER (`application/pkix-crl`, RFC 5280 §5): certificates issued before partitioning name it */
  crlDer(): Uint8Array;
  /** a shard's current CRL, DER; null for a shard this CA does not have */
  shardCrlDer(shard: number): Uint8Array | null;
  /** how many CRL shards this CA's certificates are spread over */
  readonly crlShards: number;
  readonly rootCertificatePem: string;
  readonly issuingCertificatePem: string;
}

export async function openLocalAuthority(options: LocalAuthorityOptions): Promise<LocalAuthority> {
  const { dir, name, now } = options;
  const crlUrl = certificateUrl(options.crlUrl, "crlUrl");
  const caIssuersUrl = options.caIssuersUrl === undefined ? undefined : certificateUrl(options.caIssuersUrl, "caIssuersUrl");
  const lifetimeMs = options.certificateLifetimeMs ?? DEFAULT_CERTIFICATE_LIFETIME_MS;
  if (!Number.isSafeInteger(lifetimeMs) || lifetimeMs < MIN_CERTIFICATE_LIFETIME_MS) {
    throw new LocalAuthorityError(`the certificate lifetime must be at least one hour, got ${lifetimeMs} ms`);
  }

  const password = options.keyPassword ?? null;
  const { rootCertificatePem, issuing } = options.provided
    ? await loadProvidedIssuingCa(options.provided, now(), password)
    : await generatedCa(dir, name, now, password);
  // The revocation list lives in `dir` whichever CA signs it.
  await ensurePrivateDirectory(dir);
  const signer = ecdsaP256Signer(issuing.privateKey, issuing.publicKey);
  // Recorded before any certificate names it; the CRLs name it and every URL recorded before.
  const crlUrls = await rememberCrlUrl(dir, crlUrl);
  const crl = await openCrlPublisher({
    paths: revocationPaths(dir),
    issuing,
    signer,
    now,
    crlUrlsOf: (scope) => (scope === "legacy" ? crlUrls : crlUrls.map((url) => shardCrlUrl(url, scope))),
    crlShards: options.crlShards,
  });
  const crlShardUrls = Array.from({ length: crl.shards }, (_, shard) => shardCrlUrl(crlUrl, shard));
  const issue = leafIssuer(issuing, signer, { crlShardUrls, caIssuersUrl, lifetimeMs });
  const issued = new Map<string, IssuedCertificate>();

  return {
    name,
    submitsInProcess: true,
    writesSubjectAltName: true,
    rootCertificatePem,
    issuingCertificatePem: issuing.certificatePem,

    // No await between the lookup and `remember`: two concurrent submits with one key cannot both issue.
    async submit(request: IssuanceRequest): Promise<SubmitOutcome> {
      const known = issued.get(request.requestKey);
      if (known) return { kind: "issued", certificate: known };
      const outcome = issue(request, now());
      if (outcome.kind === "issued") remember(issued, request.requestKey, outcome.certificate);
      return outcome;
    },

    async poll(requestId: string): Promise<SubmitOutcome> {
      const known = issued.get(requestId);
      if (known) return { kind: "issued", certificate: known };
      return { kind: "denied", reason: "the local CA has no pending request with this id: it issues or denies at once" };
    },

    async revoke(serialHex: string, reasonCode: number, revokedAt: Date, notAfter?: Date): Promise<void> {
      const serial = canonicalSerialHex(serialHex);
      if (serial === undefined) throw new LocalAuthorityError(`"${serialHex}" is not a certificate serial number in hex`);
      if (!REVOCATION_REASONS.has(reasonCode)) throw new LocalAuthorityError(`${reasonCode} is not a revocation reason code`);
      if (Number.isNaN(revokedAt.getTime())) throw new LocalAuthorityError("the revocation time is not a valid date");
      if (notAfter !== undefined && Number.isNaN(notAfter.getTime())) throw new LocalAuthorityError("the certificate's notAfter is not a valid date");
      return crl.revoke({
        serialHex: serial,
        reasonCode,
        revokedAt: new Date(revokedAt.getTime()),
        ...(notAfter === undefined ? {} : { notAfter: new Date(notAfter.getTime()) }),
      });
    },

    async health(): Promise<AuthorityHealth> {
      if (now().getTime() >= issuing.notAfter.getTime()) {
        return { healthy: false, detail: `the issuing CA expired on ${issuing.notAfter.toISOString()}` };
      }
      try {
        if (!signer.verify(HEALTH_PROBE, signer.sign(HEALTH_PROBE))) {
          return { healthy: false, detail: "the issuing CA key produced a signature that does not verify" };
        }
      } catch (err) {
        return { healthy: false, detail: `the issuing CA key cannot sign: ${(err as Error).message}` };
      }
      const crlFailure = crl.reissueFailure();
      if (crlFailure) return { healthy: false, detail: crlFailure };
      return { healthy: true, detail: `issuing CA signs; valid until ${issuing.notAfter.toISOString()}` };
    },

    crlDer: () => crl.crlDer("legacy"),
    shardCrlDer: (shard) => (Number.isInteger(shard) && shard >= 0 && shard < crl.shards ? crl.crlDer(shard) : null),
    crlShards: crl.shards,
  };
}

/** The root and issuing CA in `dir`, created on first boot and loaded afterwards (never regenerated). */
async function generatedCa(dir: string, name: string, now: () => Date, password: KeyPassword | null) {
  const root = await ensureLocalRootCa(dir, { now, keyPassword: password });
  return { rootCertificatePem: root.certificatePem, issuing: await ensureIssuingCa(dir, root, name, now(), password) };
}

function remember(issued: Map<string, IssuedCertificate>, key: string, certificate: IssuedCertificate): void {
  issued.set(key, certificate);
  // Maps iterate in insertion order: the first key is the oldest.
  if (issued.size > REMEMBERED_REQUESTS) {
    const oldest = issued.keys().next();
    if (!oldest.done) issued.delete(oldest.value);
  }
}

/** An http(s) URL in its ASCII form (IA5String, RFC 5280 §4.2.1.13), or a LocalAuthorityError naming the option. */
function certificateUrl(text: string, option: string): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new LocalAuthorityError(`${option} must be an absolute http(s) URL, got "${text}"`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new LocalAuthorityError(`${option} must be an http(s) URL, got "${text}"`);
  }
  return url.href;
}
