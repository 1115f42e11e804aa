/**
 * Whether the server really revoked what a client asked it to revoke (RFC 8555 §7.6), seen from
 * outside: the CRL the leaf points to lists it with the reason the client gave, `openssl verify
 * -crl_check` refuses it, and its ARI window (RFC 9773 §4.2) collapses to "renew now".
 */
import "reflect-metadata";
import * as x509 from "@peculiar/x509";
import { X509Certificate } from "node:crypto";
import { writeFile } from "node:fs/promises";
import { request } from "node:https";
import { httpsGet } from "../e2e/https.js";
import { opensslVerify, type IssuedCertificate } from "./certificates.js";
import { scratchFile, type InteropContext } from "./context.js";
import { ScenarioFailure, tail } from "./scenario.js";

/** RFC 5280 §5.3.1 CRLReason codes the scenarios use. */
export const CRL_REASON = { unspecified: 0, keyCompromise: 1, superseded: 4 } as const;

/** Minimal two's-complement content octets of a positive INTEGER given as hex (RFC 9773 §4.1). */
export function serialOctets(serialHex: string): Buffer {
  let hex = serialHex.toLowerCase().replace(/^0+(?=.)/, "");
  if (hex.length % 2 === 1) hex = `0${hex}`;
  const octets = Buffer.from(hex, "hex");
  return (octets[0] ?? 0) & 0x80 ? Buffer.concat([Buffer.from([0]), octets]) : octets;
}

/** RFC 9773 §4.1: base64url(AKI keyIdentifier) "." base64url(serial content octets). */
export function certId(leafPem: string): string {
  const aki = new x509.X509Certificate(leafPem).getExtension(x509.AuthorityKeyIdentifierExtension)?.keyId;
  if (aki === undefined) throw new ScenarioFailure("the leaf has no Authority Key Identifier: ARI cannot name it");
  return `${Buffer.from(aki, "hex").toString("base64url")}.${serialOctets(new X509Certificate(leafPem).serialNumber).toString("base64url")}`;
}

export interface SuggestedWindow {
  readonly start: number;
  readonly end: number;
}

export async function renewalWindow(directoryUrl: string, rootCa: string, leafPem: string): Promise<SuggestedWindow> {
  const directory = JSON.parse((await httpsGet(directoryUrl, rootCa)).body) as { renewalInfo?: string };
  if (directory.renewalInfo === undefined) throw new ScenarioFailure("the directory advertises no renewalInfo");
  const url = `${directory.renewalInfo}/${certId(leafPem)}`;
  const response = await httpsGet(url, rootCa);
  if (response.status !== 200) throw new ScenarioFailure(`GET ${url} answered ${response.status}: ${response.body}`);
  const body = JSON.parse(response.body) as { suggestedWindow?: { start?: string; end?: string } };
  const start = Date.parse(body.suggestedWindow?.start ?? "");
  const end = Date.parse(body.suggestedWindow?.end ?? "");
  if (Number.isNaN(start) || Number.isNaN(end)) throw new ScenarioFailure(`GET ${url} gave no suggestedWindow: ${response.body}`);
  return { start, end };
}

function httpsGetBytes(url: string, caPem: string): Promise<{ status: number; body: Buffer }> {
  return new Promise((resolveGet, reject) => {
    // family 4: the server listens on 127.0.0.1, and `localhost` may resolve to ::1 first.
    const req = request(url, { ca: caPem, agent: false, family: 4, timeout: 10_000 });
    req.once("timeout", () => req.destroy(new Error(`GET ${url}: no response within 10 s`)));
    req.once("error", reject);
    req.once("response", (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (chunk: Buffer) => chunks.push(chunk));
      res.once("end", () => resolveGet({ status: res.statusCode ?? 0, body: Buffer.concat(chunks) }));
      res.once("error", reject);
    });
    req.end();
  });
}

/** The CRL at the leaf's first CRL distribution point (RFC 5280 §4.2.1.13). */
async function fetchCrl(leafPem: string, rootCa: string): Promise<{ url: string; crl: x509.X509Crl; der: Buffer }> {
  const points = new x509.X509Certificate(leafPem).getExtension(x509.CRLDistributionPointsExtension)?.distributionPoints ?? [];
  const url = points[0]?.distributionPoint?.fullName?.[0]?.uniformResourceIdentifier;
  if (url === undefined) throw new ScenarioFailure("the leaf names no CRL distribution point");
  const response = await httpsGetBytes(url, rootCa);
  if (response.status !== 200) throw new ScenarioFailure(`GET ${url} answered ${response.status}`);
  return { url, crl: new x509.X509Crl(new Uint8Array(response.body)), der: response.body };
}

/** RFC 7468 §5: openssl reads CRLs labelled X509 CRL (@peculiar/x509 writes "CRL"). */
function crlPem(der: Buffer): string {
  const lines = der.toString("base64").match(/.{1,64}/g) ?? [];
  return `-----BEGIN X509 CRL-----\n${lines.join("\n")}\n-----END X509 CRL-----\n`;
}

const sameSerial = (a: string, b: string): boolean => serialOctets(a).equals(serialOctets(b));

interface RevocationView {
  readonly crlUrl: string;
  /** the CRL entry's reason, null when the CRL does not list the serial */
  readonly listedReason: number | null;
  /** openssl verify -crl_check output */
  readonly verdict: { readonly ok: boolean; readonly text: string };
  readonly window: SuggestedWindow;
}

async function revocationView(issued: IssuedCertificate, rootCaPath: string, rootCa: string, directoryUrl: string, scratch: string): Promise<RevocationView> {
  const { url, crl, der } = await fetchCrl(issued.leafPem, rootCa);
  const entry = crl.entries.find((candidate) => sameSerial(candidate.serialNumber, issued.serial));
  await writeFile(scratch, issued.leafPem);
  await writeFile(`${scratch}.chain`, issued.chainPem);
  await writeFile(`${scratch}.crl`, crlPem(der));
  const result = await opensslVerify(rootCaPath, `${scratch}.chain`, scratch, ["-crl_check", "-CRLfile", `${scratch}.crl`]);
  return {
    crlUrl: url,
    listedReason: entry === undefined ? null : (entry.reason ?? CRL_REASON.unspecified),
    verdict: { ok: result.code === 0, text: result.stdout + result.stderr },
    window: await renewalWindow(directoryUrl, rootCa, issued.leafPem),
  };
}

export interface RevocationCheck {
  readonly issued: IssuedCertificate;
  readonly rootCaPath: string;
  readonly rootCa: string;
  readonly directoryUrl: string;
  readonly scratch: string;
}

/** The check of `issued` against the run's server, its temporary files labelled `label`. */
export async function revocationCheckOf(context: InteropContext, issued: IssuedCertificate, label: string): Promise<RevocationCheck> {
  return { issued, rootCaPath: context.server.rootCaPath, rootCa: context.rootCa, directoryUrl: context.server.directoryUrl, scratch: await scratchFile(context, label) };
}

/**
 * Before the client revokes: not on the CRL, accepted by `openssl verify -crl_check`, renewal
 * window in the future. This is what makes the check after revocation mean something.
 */
export async function requireNotRevoked(check: RevocationCheck): Promise<void> {
  const view = await revocationView(check.issued, check.rootCaPath, check.rootCa, check.directoryUrl, check.scratch);
  if (view.listedReason !== null) throw new ScenarioFailure(`serial ${check.issued.serial} is on ${view.crlUrl} before any revocation`);
  if (!view.verdict.ok) throw new ScenarioFailure("openssl verify -crl_check refuses the certificate before revocation", tail(view.verdict.text, 6));
  if (view.window.start <= Date.now()) throw new ScenarioFailure(`ARI suggests renewing a fresh certificate now (window ${new Date(view.window.start).toISOString()})`);
}

/** The CA is told after the ACME answer (reference §2.4): the CRL may lag the response briefly. */
const CRL_PUBLICATION_WAIT_MS = 10_000;

export async function requireRevoked(check: RevocationCheck, reason: number): Promise<void> {
  const waitUntil = Date.now() + CRL_PUBLICATION_WAIT_MS;
  let view = await revocationView(check.issued, check.rootCaPath, check.rootCa, check.directoryUrl, check.scratch);
  while (view.listedReason === null && Date.now() < waitUntil) {
    await new Promise((resolve) => setTimeout(resolve, 200));
    view = await revocationView(check.issued, check.rootCaPath, check.rootCa, check.directoryUrl, check.scratch);
  }
  if (view.listedReason === null) throw new ScenarioFailure(`serial ${check.issued.serial} is not on ${view.crlUrl} after the client revoked it`);
  if (view.listedReason !== reason) throw new ScenarioFailure(`${view.crlUrl} lists serial ${check.issued.serial} with reason ${view.listedReason}, the client asked for ${reason}`);
  if (view.verdict.ok || !view.verdict.text.includes("certificate revoked")) {
    throw new ScenarioFailure("openssl verify -crl_check does not report the certificate as revoked", tail(view.verdict.text, 6));
  }
  // Reference §2.4: a revoked certificate's ARI window collapses to [now, now].
  if (view.window.start !== view.window.end || view.window.start > Date.now() + 60_000) {
    throw new ScenarioFailure(`ARI does not say "renew now" for the revoked certificate (window ${new Date(view.window.start).toISOString()} – ${new Date(view.window.end).toISOString()})`);
  }
}
