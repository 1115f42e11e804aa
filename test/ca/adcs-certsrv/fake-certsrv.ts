/**
 * A fake AD CS Web Enrollment site for tests: real HTTPS on 127.0.0.1 with its own TLS
 * certificate, IIS-like authentication (Basic, or NTLM verified against the known password,
 * per connection, with channel bindings checked), the certsrv routes Certeasy uses, and a
 * request table behind them: issued at once, held for approval (the test approves or denies
 * later), denied by the policy module, or an unpublished template refused.
 */
import "reflect-metadata";
import { randomBytes, webcrypto } from "node:crypto";
import { type IncomingMessage, type ServerResponse } from "node:http";
import { type Server, createServer } from "node:https";
import type { Socket } from "node:net";
import * as x509 from "@peculiar/x509";
import { channelBindingsHash } from "../../../src/ca/adcs-certsrv/ntlm/channel-binding.js";
import type { TestCa } from "../adcs-cli/fixture.js";
import { type PendingChallenge, acceptAuthenticate, challengeFor, messageType } from "./ntlm-acceptor.js";
import { type Language, type ListedTemplate, caArchivePage, deniedPage, errorPage, homePage, issuedPage, pendingPage, requestPage } from "./certsrv-pages.js";

export const FAKE_USER = "CORP\\svc-acme";
export const FAKE_PASSWORD = "S3cret!pass";
export const FAKE_TEMPLATE = "CerteasyWebServer";
/** What certrqxt.asp offers the account by default: the template Certeasy uses, and two others. */
export const FAKE_LISTED_TEMPLATES: readonly ListedTemplate[] = [
  { name: FAKE_TEMPLATE, displayName: "Certeasy Web Server" },
  { name: "WebServer", displayName: "Web Server" },
  { name: "User", displayName: "User", kind: "E" },
];
/** The account by its NetBIOS name and by its UPN (sent with an empty domain), as a DC knows it. */
const FAKE_ACCOUNTS = new Map([
  ["svc-acme", FAKE_PASSWORD],
  ["svc-acme@corp.example", FAKE_PASSWORD],
]);

const ECDSA = { name: "ECDSA", namedCurve: "P-256" } as const;
const SIGNING = { name: "ECDSA", hash: "SHA-256" } as const;

/** What the next submission meets: the CA's policy for it. */
export type SubmissionMode = "issue" | "pend" | "deny" | "garbage" | "hang";

export type Disposition = "issued" | "pending" | "denied";

export interface FakeRequest {
  readonly id: number;
  readonly template: string;
  readonly csrPem: string;
  readonly form: Readonly<Record<string, string>>;
  disposition: Disposition;
  /** the disposition message with its HRESULT, for denials */
  message?: string;
  certificatePem?: string;
}

export interface FakeCertsrvOptions {
  readonly auth: "basic" | "ntlm";
  /** EPA "Required": NTLM without matching channel bindings is refused */
  readonly requireChannelBindings?: boolean;
  readonly language?: Language;
  /** the templates certrqxt.asp lists; undefined: a Stand-alone CA's page, without a list */
  readonly templates?: readonly ListedTemplate[] | undefined;
}

export interface FakeCertsrv {
  /** https://127.0.0.1:<port>/certsrv/ */
  readonly url: string;
  /** the site's self-signed TLS certificate: the ca-bundle that trusts it */
  readonly tlsCertificatePem: string;
  mode: SubmissionMode;
  /** this many certnew.cer requests from now answer 503, as an IIS whose app pool restarts */
  failRetrievals: number;
  readonly requests: ReadonlyMap<number, FakeRequest>;
  /** authenticated users per request, as IIS would log them */
  readonly log: { readonly method: string; readonly path: string; readonly user: string; readonly connection: number }[];
  /** connections accepted so far */
  connections(): number;
  /** the CA officer issues a pending request (certutil -resubmit) */
  approve(id: number): Promise<void>;
  /** the CA officer denies a pending request (certutil -deny) */
  deny(id: number): void;
  close(): Promise<void>;
}

export async function startFakeCertsrv(ca: TestCa, options: FakeCertsrvOptions): Promise<FakeCertsrv> {
  const tls = await selfSignedTls();
  const channelBindings = channelBindingsHash(new Uint8Array(new x509.X509Certificate(tls.certPem).rawData));
  const language = options.language ?? "en";
  const issuing = new x509.X509Certificate(ca.issuingPem);
  const root = new x509.X509Certificate(ca.rootPem);
  const issuingKey = await webcrypto.subtle.importKey("pkcs8", x509.PemConverter.decode(ca.issuingKeyPem)[0] ?? new ArrayBuffer(0), ECDSA, false, ["sign"]);

  const requests = new Map<number, FakeRequest>();
  let nextId = 100;
  const log: FakeCertsrv["log"][number][] = [];
  const ntlmState = new WeakMap<Socket, { pending?: PendingChallenge; user?: string; id: number }>();
  let connectionCount = 0;
  const hanging: ServerResponse[] = [];

  const issue = async (request: FakeRequest): Promise<void> => {
    const csr = new x509.Pkcs10CertificateRequest(request.csrPem);
    const requested = csr.getExtension("2.5.29.17");
    // RFC 5280 §4.2.1.6, as a CA does: with an empty subject the SAN is critical.
    const san = requested ? new x509.Extension("2.5.29.17", csr.subject === "", requested.value) : undefined;
    const certificate = await x509.X509CertificateGenerator.create({
      serialNumber: `01${randomBytes(15).toString("hex")}`,
      subject: csr.subject === "" ? "CN=" : csr.subject,
      issuer: issuing.subject,
      publicKey: csr.publicKey,
      signingKey: issuingKey,
      signingAlgorithm: SIGNING,
      notBefore: new Date(Date.now() - 60_000),
      notAfter: new Date(Date.now() + 30 * 86_400_000),
      extensions: [
        ...(san ? [san] : []),
        new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
        new x509.BasicConstraintsExtension(false),
        await x509.AuthorityKeyIdentifierExtension.create(issuing),
      ],
    });
    request.certificatePem = certificate.toString("pem");
    request.disposition = "issued";
  };

  const authenticate = (req: IncomingMessage, res: ServerResponse): string | undefined => {
    const socket = req.socket;
    const state = ntlmState.get(socket) ?? { id: ++connectionCount };
    ntlmState.set(socket, state);
    if (state.user !== undefined) return state.user; // IIS keeps an NTLM connection authenticated
    const header = req.headers.authorization ?? "";
    const refuse = (challenge?: string) => {
      const offered = options.auth === "basic" ? ['Basic realm="ca01.corp.example"'] : challenge === undefined ? ["Negotiate", "NTLM"] : [challenge];
      res.writeHead(401, { "WWW-Authenticate": offered, "Content-Type": "text/html" });
      res.end("<html><head><title>401 - Unauthorized: Access is denied due to invalid credentials.</title></head><body>401</body></html>");
      return undefined;
    };
    if (options.auth === "basic") {
      const match = /^Basic\s+(\S+)$/i.exec(header);
      const [user, ...rest] = Buffer.from(match?.[1] ?? "", "base64").toString("utf8").split(":");
      return user === FAKE_USER && rest.join(":") === FAKE_PASSWORD ? user : refuse();
    }
    const token = /^NTLM\s+(\S+)$/i.exec(header)?.[1];
    if (token === undefined) return refuse();
    const message = new Uint8Array(Buffer.from(token, "base64"));
    if (messageType(message) === 1) {
      state.pending = challengeFor(message, new Date());
      return refuse(`NTLM ${Buffer.from(state.pending.challenge).toString("base64")}`);
    }
    if (messageType(message) !== 3 || state.pending === undefined) return refuse();
    const outcome = acceptAuthenticate({ passwords: FAKE_ACCOUNTS, channelBindings, requireChannelBindings: options.requireChannelBindings ?? false }, state.pending, message);
    delete state.pending;
    if (!outcome.ok) return refuse();
    state.user = `${outcome.domain}\\${outcome.user}`;
    return state.user;
  };

  const html = (res: ServerResponse, body: string) => {
    res.writeHead(200, { "Content-Type": "text/html; charset=utf-8" });
    res.end(body);
  };

  const submit = async (res: ServerResponse, body: string) => {
    const form = Object.fromEntries(new URLSearchParams(body));
    const template = /^CertificateTemplate:([^\r\n]*)/m.exec(form["CertAttrib"] ?? "")?.[1] ?? "";
    const request: FakeRequest = { id: nextId++, template, csrPem: form["CertRequest"] ?? "", form, disposition: "pending" };
    requests.set(request.id, request);
    if (fake.mode === "hang") {
      hanging.push(res);
      return;
    }
    if (fake.mode === "garbage") return html(res, "<html><body><h1>Service Unavailable</h1>The site is being maintained.</body></html>");
    if (template !== FAKE_TEMPLATE) {
      request.disposition = "denied";
      request.message = `Denied by Policy Module  0x80094800, The request was for a certificate template that is not supported by the Active Directory Certificate Services policy: ${template}.`;
      return html(res, deniedPage(request.message, language));
    }
    if (fake.mode === "deny") {
      request.disposition = "denied";
      request.message = "Denied by Policy Module  0x80094012, The permissions on the certificate template do not allow the current user to enroll for this type of certificate.";
      return html(res, deniedPage(request.message, language));
    }
    if (fake.mode === "pend") return html(res, pendingPage(request.id, language));
    await issue(request);
    return html(res, issuedPage(request.id, language));
  };

  const retrieve = (res: ServerResponse, query: URLSearchParams) => {
    if (fake.failRetrievals > 0) {
      fake.failRetrievals -= 1;
      res.writeHead(503, { "Content-Type": "text/html" });
      return res.end("<html><body>503 Service Unavailable</body></html>");
    }
    const id = Number(query.get("ReqID"));
    const request = requests.get(id);
    if (request === undefined) {
      return html(res, errorPage("Cannot get the certificate.", undefined, "The requested property value is empty. 0x80094004 (-2146877436 CERTSRV_E_PROPERTY_EMPTY)"));
    }
    if (request.disposition === "pending") {
      return html(res, errorPage("Your certificate request is still pending.", "Taken Under Submission", "The operation completed successfully. 0x0 (WIN32: 0)"));
    }
    if (request.disposition === "denied") {
      const code = /0x[0-9a-f]{8}/i.exec(request.message ?? "")?.[0] ?? "0x80094014";
      return html(res, errorPage("Your certificate request was denied.", request.message ?? "Denied", `The request was denied. ${code}`));
    }
    res.writeHead(200, { "Content-Type": "application/pkix-cert", "Content-Disposition": "attachment; filename=certnew.cer" });
    res.end(request.certificatePem);
  };

  const server: Server = createServer({ key: tls.keyPem, cert: tls.certPem, keepAlive: true }, (req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const user = authenticate(req, res);
      if (user === undefined) return;
      const url = new URL(req.url ?? "/", "https://127.0.0.1");
      log.push({ method: req.method ?? "", path: url.pathname + url.search, user, connection: ntlmState.get(req.socket)?.id ?? 0 });
      const route = `${req.method} ${url.pathname.toLowerCase()}`;
      if (route === "GET /certsrv/") return html(res, homePage());
      if (route === "POST /certsrv/certfnsh.asp") return void submit(res, Buffer.concat(chunks).toString("utf8"));
      if (route === "GET /certsrv/certnew.cer") return retrieve(res, url.searchParams);
      if (route === "GET /certsrv/certrqxt.asp") return html(res, requestPage("templates" in options ? options.templates : FAKE_LISTED_TEMPLATES));
      if (route === "GET /certsrv/certcarc.asp") return html(res, caArchivePage(0));
      if (route === "GET /certsrv/certnew.p7b" && url.searchParams.get("ReqID") === "CACert" && url.searchParams.get("Renewal") === "0") {
        // Windows labels the Base64 PKCS#7 "CERTIFICATE" (adcs.md §1.4).
        const der = new x509.X509Certificates([issuing, root]).export("raw");
        res.writeHead(200, { "Content-Type": "application/x-pkcs7-certificates" });
        return res.end(x509.PemConverter.encode(der, "CERTIFICATE"));
      }
      res.writeHead(404, { "Content-Type": "text/html" });
      res.end("<html><body>404 - File or directory not found.</body></html>");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("the fake certsrv has no port");

  const fake: FakeCertsrv = {
    url: `https://127.0.0.1:${address.port}/certsrv/`,
    tlsCertificatePem: tls.certPem,
    mode: "issue",
    failRetrievals: 0,
    requests,
    log,
    connections: () => connectionCount,
    approve: async (id) => {
      const request = requests.get(id);
      if (request?.disposition !== "pending") throw new Error(`request ${id} is not pending`);
      await issue(request);
    },
    deny: (id) => {
      const request = requests.get(id);
      if (request?.disposition !== "pending") throw new Error(`request ${id} is not pending`);
      request.disposition = "denied";
      request.message = "Denied by CORP\\ca-officer 0x80094014";
    },
    close: async () => {
      for (const res of hanging) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  return fake;
}

/** A P-256 certificate for 127.0.0.1, self-signed: the test trusts it through ca-bundle. */
async function selfSignedTls(): Promise<{ certPem: string; keyPem: string }> {
  const keys = await webcrypto.subtle.generateKey(ECDSA, true, ["sign", "verify"]);
  const certificate = await x509.X509CertificateGenerator.createSelfSigned({
    name: "CN=ca01.corp.example",
    keys,
    signingAlgorithm: SIGNING,
    notBefore: new Date(Date.now() - 60_000),
    notAfter: new Date(Date.now() + 86_400_000),
    extensions: [new x509.SubjectAlternativeNameExtension([{ type: "ip", value: "127.0.0.1" }, { type: "dns", value: "ca01.corp.example" }])],
  });
  const pkcs8 = await webcrypto.subtle.exportKey("pkcs8", keys.privateKey);
  return { certPem: certificate.toString("pem"), keyPem: x509.PemConverter.encode(pkcs8, "PRIVATE KEY") };
}
