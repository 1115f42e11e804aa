/**
 * What an ACME client puts up to answer a challenge, for tests: an http-01 responder serving key
 * authorizations under `/.well-known/acme-challenge/` (RFC 8555 §8.3), and a tls-alpn-01
 * responder presenting, per SNI name, a self-signed certificate with the acmeIdentifier extension
 * (RFC 8737 §3; RFC 8738 §6 for IP identifiers, whose SNI is the reverse name).
 *
 *   const http = await startHttp01Responder();
 *   http.set(token, keyAuthorization);
 *   const tls = await startTlsAlpn01Responder();
 *   await tls.set("a.test", keyAuthorization);              // a correct certificate
 *   await tls.set("b.test", keyAuthorization, { flaw: "non-critical" }); // a broken one, on purpose
 *
 * Both listen on 127.0.0.1 (or the given host, e.g. "::1") on a free port.
 */
import "reflect-metadata";
import { createHash, randomBytes, webcrypto } from "node:crypto";
import { createServer as createHttpServer, type Server as HttpServer } from "node:http";
import { isIPv4, isIPv6, type AddressInfo, type Socket } from "node:net";
import { createSecureContext, createServer as createTlsServer, type SecureContext, type Server as TlsServer } from "node:tls";
import * as x509 from "@peculiar/x509";

// ---------------------------------------------------------------------------------------------
// http-01

export interface Http01Request {
  readonly method: string;
  readonly path: string;
  /** the Host header as received */
  readonly host: string | undefined;
}

export interface Http01Responder {
  readonly port: number;
  /** serve `keyAuthorization` at `/.well-known/acme-challenge/<token>` */
  set(token: string, keyAuthorization: string): void;
  remove(token: string): void;
  /** every request received, oldest first */
  readonly requests: readonly Http01Request[];
  close(): Promise<void>;
}

const CHALLENGE_PATH = "/.well-known/acme-challenge/";

export async function startHttp01Responder(options: { readonly host?: string } = {}): Promise<Http01Responder> {
  const answers = new Map<string, string>();
  const requests: Http01Request[] = [];
  const server = createHttpServer((request, response) => {
    const path = request.url ?? "";
    requests.push({ method: request.method ?? "", path, host: request.headers.host });
    const body = path.startsWith(CHALLENGE_PATH) ? answers.get(path.slice(CHALLENGE_PATH.length)) : undefined;
    if (request.method !== "GET" || body === undefined) {
      response.writeHead(404, { "content-type": "text/plain" }).end("not found\n");
      return;
    }
    response.writeHead(200, { "content-type": "text/plain" }).end(body);
  });
  const port = await listen(server, options.host ?? "127.0.0.1");
  return {
    port,
    set: (token, keyAuthorization) => void answers.set(token, keyAuthorization),
    remove: (token) => void answers.delete(token),
    requests,
    close: () => closeServer(server),
  };
}

// ---------------------------------------------------------------------------------------------
// tls-alpn-01

/** Ways to get the validation certificate wrong, for negative tests. */
export type AlpnCertificateFlaw =
  /** no acmeIdentifier extension at all */
  | "no-acme-identifier"
  /** the acmeIdentifier extension present but not critical */
  | "non-critical"
  /** a second subjectAltName next to the identifier */
  | "extra-san"
  /** the subjectAltName names another host */
  | "wrong-san";

export interface TlsAlpn01Responder {
  readonly port: number;
  /**
   * Present a validation certificate for `identifier` (a DNS name, or an IP address whose
   * reverse name is the SNI) built from `keyAuthorization`.
   */
  set(identifier: string, keyAuthorization: string, options?: { readonly flaw?: AlpnCertificateFlaw }): Promise<void>;
  remove(identifier: string): void;
  /** SNI names of the handshakes received, oldest first ("" when the client sent none) */
  readonly serverNames: readonly string[];
  close(): Promise<void>;
}

export interface TlsAlpn01ResponderOptions {
  readonly host?: string;
  /**
   * ALPN protocols the responder speaks; default `["acme-tls/1"]`. `[]` makes a server that
   * ignores ALPN (the handshake succeeds without a protocol); `["http/1.1"]` one that rejects
   * acme-tls/1 with a no_application_protocol alert.
   */
  readonly alpnProtocols?: readonly string[];
}

const ACME_IDENTIFIER_OID = "1.3.6.1.5.5.7.1.31";
const SIGNING = { name: "ECDSA", namedCurve: "P-256", hash: "SHA-256" } as const;

export async function startTlsAlpn01Responder(options: TlsAlpn01ResponderOptions = {}): Promise<TlsAlpn01Responder> {
  const keys = await webcrypto.subtle.generateKey(SIGNING, true, ["sign", "verify"]);
  const keyPem = toPem("PRIVATE KEY", await webcrypto.subtle.exportKey("pkcs8", keys.privateKey));
  const contextFor = async (identifier: string, keyAuthorization: string, flaw?: AlpnCertificateFlaw): Promise<SecureContext> => {
    const certificate = await validationCertificate(keys, identifier, keyAuthorization, flaw);
    return createSecureContext({ key: keyPem, cert: certificate.toString("pem") });
  };
  // For SNI names nobody set (and handshakes without SNI): a certificate that validates nothing.
  const fallbackCertificate = (await validationCertificate(keys, "unconfigured.invalid", "-", "no-acme-identifier")).toString("pem");
  const fallback = createSecureContext({ key: keyPem, cert: fallbackCertificate });
  const contexts = new Map<string, SecureContext>();
  const serverNames: string[] = [];
  const alpn = options.alpnProtocols ?? ["acme-tls/1"];

  const server: TlsServer = createTlsServer({
    ...(alpn.length > 0 ? { ALPNProtocols: [...alpn] } : {}),
    SNICallback: (servername, done) => {
      serverNames.push(servername);
      done(null, contexts.get(servername.toLowerCase()) ?? fallback);
    },
    key: keyPem,
    cert: fallbackCertificate,
  });
  // The validator hangs up right after the handshake; that is not an error worth a crash.
  server.on("tlsClientError", () => undefined);
  server.on("secureConnection", (socket) => {
    socket.on("error", () => socket.destroy());
    socket.end();
  });
  const port = await listen(server, options.host ?? "127.0.0.1");
  return {
    port,
    async set(identifier, keyAuthorization, setOptions = {}) {
      contexts.set(sniName(identifier), await contextFor(identifier, keyAuthorization, setOptions.flaw));
    },
    remove: (identifier) => void contexts.delete(sniName(identifier)),
    serverNames,
    close: () => closeServer(server),
  };
}

async function validationCertificate(
  keys: CryptoKeyPair,
  identifier: string,
  keyAuthorization: string,
  flaw: AlpnCertificateFlaw | undefined,
): Promise<x509.X509Certificate> {
  const name = (value: string): x509.JsonGeneralName => ({ type: isIPv4(value) || isIPv6(value) ? "ip" : "dns", value });
  const names =
    flaw === "extra-san" ? [name(identifier), name("extra.invalid")] : flaw === "wrong-san" ? [name("other.invalid")] : [name(identifier)];
  // RFC 8737 §3: extnValue is the DER of `Authorization ::= OCTET STRING (SIZE (32))`.
  const digest = createHash("sha256").update(keyAuthorization).digest();
  const acmeIdentifier = new x509.Extension(ACME_IDENTIFIER_OID, flaw !== "non-critical", Buffer.concat([Buffer.from([0x04, 0x20]), digest]));
  const now = Date.now();
  return x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: `01${randomBytes(8).toString("hex")}`,
    name: "CN=ACME tls-alpn-01 test responder",
    notBefore: new Date(now - 60_000),
    notAfter: new Date(now + 24 * 3_600_000),
    signingAlgorithm: SIGNING,
    keys,
    extensions: [
      new x509.SubjectAlternativeNameExtension(names, false),
      ...(flaw === "no-acme-identifier" ? [] : [acmeIdentifier]),
    ],
  });
}

/** The SNI a validator sends for an identifier: the name, or the reverse name of an IP (RFC 8738 §6). */
export function sniName(identifier: string): string {
  if (isIPv4(identifier)) return `${identifier.split(".").reverse().join(".")}.in-addr.arpa`;
  if (!isIPv6(identifier)) return identifier.toLowerCase();
  if (identifier.includes(".")) throw new TypeError(`write ${identifier} in hexadecimal groups for this helper`);
  const [head = "", tail] = identifier.split("::");
  const headGroups = head === "" ? [] : head.split(":");
  const tailGroups = tail === undefined || tail === "" ? [] : tail.split(":");
  const groups = [...headGroups, ...Array<string>(8 - headGroups.length - tailGroups.length).fill("0"), ...tailGroups];
  const nibbles = groups.map((g) => g.padStart(4, "0").toLowerCase()).join("");
  return `${[...nibbles].reverse().join(".")}.ip6.arpa`;
}

// ---------------------------------------------------------------------------------------------
// shared

function toPem(label: string, der: ArrayBuffer): string {
  const base64 = Buffer.from(der).toString("base64").replace(/(.{64})/g, "$1\n");
  return `-----BEGIN ${label}-----\n${base64.trimEnd()}\n-----END ${label}-----\n`;
}

function listen(server: HttpServer | TlsServer, host: string): Promise<number> {
  const sockets = new Set<Socket>();
  server.on("connection", (socket: Socket) => {
    sockets.add(socket);
    socket.once("close", () => sockets.delete(socket));
  });
  openSockets.set(server, sockets);
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, host, () => {
      server.off("error", reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

const openSockets = new WeakMap<HttpServer | TlsServer, Set<Socket>>();

function closeServer(server: HttpServer | TlsServer): Promise<void> {
  return new Promise((resolve) => {
    for (const socket of openSockets.get(server) ?? []) socket.destroy();
    server.close(() => resolve());
  });
}
