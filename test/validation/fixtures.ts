/**
 * Shared pieces of the validator tests: a loopback profile, fresh challenges, and a scripted
 * HTTP server for the answers a well-behaved responder never gives (redirects, silence).
 */
import { randomBytes, webcrypto } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import * as x509 from "@peculiar/x509";
import type { AddressInfo, Socket } from "node:net";
import { parseCidr, type Cidr } from "../../src/config/network.js";
import type { ChallengeToValidate, ChallengeType, ValidationProfile } from "../../src/validation/index.js";

export function cidrs(...texts: string[]): Cidr[] {
  return texts.map((text) => {
    const cidr = parseCidr(text);
    if (cidr === undefined) throw new TypeError(`bad CIDR in a test: ${text}`);
    return cidr;
  });
}

export interface ProfileShape {
  readonly dnsServer: string;
  readonly http01?: number;
  readonly tlsAlpn01?: number;
  readonly timeoutMs?: number;
  readonly protocol?: "udp" | "tcp";
  readonly allow?: readonly string[];
  readonly deny?: readonly string[];
  readonly name?: string;
  readonly suffixes?: readonly string[];
}

/** Every name resolved by the test DNS server; loopback allowed unless the test says otherwise. */
export function loopbackProfile(shape: ProfileShape): ValidationProfile {
  return {
    name: shape.name ?? "loopback",
    timeoutMs: shape.timeoutMs ?? 5_000,
    zones: [{ suffixes: shape.suffixes ?? [""], dnsServers: [shape.dnsServer], protocol: shape.protocol ?? "udp" }],
    allowCidrs: cidrs(...(shape.allow ?? ["127.0.0.0/8", "::1/128"])),
    denyCidrs: cidrs(...(shape.deny ?? [])),
    ports: { http01: shape.http01 ?? 1, tlsAlpn01: shape.tlsAlpn01 ?? 1 },
  };
}

/** The account URL the fixtures' challenges come from (RFC 8657 `accounturi` compares with it). */
export const TEST_ACCOUNT_URL = "https://acme.corp.test/acme/acct/0190a1b2-0000-7000-8000-000000000001";

export function challenge(type: ChallengeType, value: string, identifierType: "dns" | "ip" = "dns"): ChallengeToValidate {
  const token = randomBytes(32).toString("base64url");
  const keyAuthorization = `${token}.${randomBytes(32).toString("base64url")}`;
  return { type, identifier: { type: identifierType, value }, wildcard: false, accountUris: [TEST_ACCOUNT_URL], token, keyAuthorization };
}

export type Script = (request: IncomingMessage, response: ServerResponse) => void;

export interface ScriptedServer {
  readonly port: number;
  /** paths requested, oldest first */
  readonly paths: readonly string[];
  close(): Promise<void>;
}

/** An HTTP server on 127.0.0.1 whose every answer is the test's `script`. */
export function startScriptedServer(script: Script): Promise<ScriptedServer> {
  return serve((handler) => createServer(handler), script);
}

/** The same over HTTPS, with a self-signed certificate no client would trust. */
export async function startScriptedHttpsServer(script: Script): Promise<ScriptedServer> {
  const signing = { name: "ECDSA", namedCurve: "P-256", hash: "SHA-256" } as const;
  const keys = await webcrypto.subtle.generateKey(signing, true, ["sign", "verify"]);
  const certificate = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: "01",
    name: "CN=untrusted.test",
    notBefore: new Date(Date.now() - 60_000),
    notAfter: new Date(Date.now() + 3_600_000),
    signingAlgorithm: signing,
    keys,
  });
  const pkcs8 = Buffer.from(await webcrypto.subtle.exportKey("pkcs8", keys.privateKey)).toString("base64");
  const key = `-----BEGIN PRIVATE KEY-----\n${pkcs8}\n-----END PRIVATE KEY-----\n`;
  return serve((handler) => createHttpsServer({ key, cert: certificate.toString("pem") }, handler), script);
}

async function serve(create: (handler: Script) => Server, script: Script): Promise<ScriptedServer> {
  const paths: string[] = [];
  const sockets = new Set<Socket>();
  const server = create((request, response) => {
    paths.push(request.url ?? "");
    script(request, response);
  });
  server.on("connection", (socket: Socket) => {
    sockets.add(socket);
    socket.once("close", () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  return {
    port: (server.address() as AddressInfo).port,
    paths,
    close: () =>
      new Promise((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

export function redirect(response: ServerResponse, location: string, status = 302): void {
  response.writeHead(status, { location }).end();
}

/** Whether this machine can listen on ::1 (some CI containers have no IPv6 loopback). */
export async function hasIpv6Loopback(): Promise<boolean> {
  const server = createServer();
  return new Promise((resolve) => {
    server.once("error", () => resolve(false));
    server.listen(0, "::1", () => server.close(() => resolve(true)));
  });
}

/** A port nothing listens on (for "connection refused"). */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
