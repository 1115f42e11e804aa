/**
 * Certificates: download (RFC 8555 §7.4.2), revocation (§7.6), renewal information (RFC 9773)
 * and the embedded CA's CRLs (RFC 5280 §5: each shard's, named in the certificates whose
 * serials fall in it, and the legacy one certificates issued before partitioning name).
 */
import { Hono } from "hono";
import { z } from "zod";
import { jwkSpkiSha256 } from "../../acme/jws/jwk-spki.js";
import { parseCertId } from "../../acme/orders/cert-id.js";
import { revokeCertificate, type RevocationSigner } from "../../acme/orders/revoke.js";
import { renewalWindow } from "../../acme/orders/renewal-window.js";
import { acmePaths, certificatePath, renewalInfoPath } from "../acme-paths.js";
import { domainProblem } from "../domain-problem.js";
import type { AcmeEnv } from "../env.js";
import { parsePayload } from "../payload.js";
import { AcmeProblem } from "../problem.js";
import { accountIdOf, notFound, requestMeta, verifyAccountRequest } from "../request-account.js";
import { verifyAcmeRequest } from "../verify-acme-request.js";
import type { OrderRoutesDeps } from "./order-deps.js";

const revokePayload = z.object({
  certificate: z.string().regex(/^[A-Za-z0-9_-]+$/, "base64url without padding").max(65_536),
  reason: z.number().int().optional(),
});

export function certificateRoutes(deps: OrderRoutesDeps): Hono<AcmeEnv> {
  const app = new Hono<AcmeEnv>();

  // RFC 8555 §7.4.2: the default chain, with `Link: rel="alternate"` to each other chain.
  app.post(`${certificatePath(":certificateId")}/:alternate?`, async (c) => {
    const { accountId } = await verifyAccountRequest(c);
    const certificate = await deps.orders.certificate(c.req.param("certificateId") ?? "");
    if (!certificate || certificate.accountId !== accountId) throw notFound("certificate");
    const tails = deps.alternateChainTails(certificate.authority);
    const alternate = c.req.param("alternate");
    const index = alternate === undefined ? 0 : /^[1-9]\d{0,2}$/.test(alternate) ? Number(alternate) : -1;
    if (index < 0 || index > tails.length) throw notFound("certificate chain");
    const url = c.get("externalBaseUrl").base + certificatePath(certificate.certificateId);
    for (let i = 0; i <= tails.length; i++) {
      if (i !== index) c.header("Link", `<${i === 0 ? url : `${url}/${i}`}>;rel="alternate"`, { append: true });
    }
    const chain = index === 0 ? certificate.chainPem : certificate.chainPem + tails[index - 1];
    return c.body(chain, 200, { "Content-Type": "application/pem-certificate-chain" });
  });

  // RFC 8555 §7.6: signed by an account (`kid`) or by the certificate's key (`jwk`).
  app.post(acmePaths.revokeCert, async (c) => {
    const request = await verifyAcmeRequest(c);
    const { certificate, reason } = parsePayload(revokePayload, request.payload);
    const signer: RevocationSigner = request.kid
      ? { kind: "account", accountId: accountIdOf(c, request.kid) }
      : { kind: "certificate-key", spkiSha256: jwkSpkiSha256(request.jwk as Parameters<typeof jwkSpkiSha256>[0]) };
    const outcome = await revokeCertificate(
      deps.revocation,
      { certificate: Buffer.from(certificate, "base64url"), reason: reason ?? 0, signer },
      requestMeta(c, signer.kind === "account" ? signer.accountId : undefined),
    );
    if (outcome.kind === "rejected") throw domainProblem(outcome.error);
    return c.body(null, 200);
  });

  // RFC 9773 §4: unauthenticated GET; the certID names the certificate by AKI and serial.
  app.get(`${renewalInfoPath}/:certId`, async (c) => {
    const parts = parseCertId(c.req.param("certId"));
    const certificate = parts ? await deps.orders.certificateBySerial(parts.aki, parts.serial) : null;
    if (!certificate) throw new AcmeProblem({ type: "malformed", status: 404, detail: "No certificate with this certID was issued by this server." });
    const window = renewalWindow(certificate, deps.renewalInfo, deps.clock());
    c.header("Retry-After", String(Math.ceil(deps.renewalInfo.retryAfterMs / 1000)));
    return c.json({ suggestedWindow: { start: window.start.toISOString(), end: window.end.toISOString() } });
  });

  app.get("/crl/:file", (c) => published(c.req.param("file"), ".crl", deps.crl, "application/pkix-crl"));
  // One URL per shard: "3.crl", never "03.crl", so the URL matches the CRL's issuing distribution point.
  app.get("/crl/:authority/:file", (c) => {
    const authority = c.req.param("authority");
    const shard = /^(0|[1-9]\d{0,2})\.crl$/.exec(c.req.param("file"))?.[1];
    return published(`${shard ?? ""}.crl`, ".crl", (index) => (shard === undefined ? null : deps.crl(authority, Number(index))), "application/pkix-crl");
  });
  app.get("/ca/:file", (c) => published(c.req.param("file"), ".crt", deps.issuerCertificate, "application/pkix-cert"));

  return app;
}

/** What an authority publishes for relying parties (RFC 5280 §4.2.1.13, §4.2.2.1), by file name. */
function published(file: string, suffix: string, lookup: (authority: string) => Uint8Array | null, contentType: string): Response {
  const body = file.endsWith(suffix) ? lookup(file.slice(0, -suffix.length)) : null;
  if (!body) throw new AcmeProblem({ type: "malformed", status: 404, detail: `No such file: ${file}.` });
  return new Response(Buffer.from(body), { status: 200, headers: { "Content-Type": contentType, "Cache-Control": "max-age=300" } });
}
