/**
 * HTTPS to the Web Enrollment site (adcs.md §3.1–3.2), authenticated with Basic or NTLMv2.
 *
 * NTLM authenticates a connection, not a request: the NEGOTIATE, the server's CHALLENGE (in a
 * 401) and the AUTHENTICATE must travel over one TCP connection. Each exchange therefore gets
 * its own keep-alive agent with a single socket, and the answer to AUTHENTICATE is accepted only
 * if it came over the socket that carried the CHALLENGE. The AUTHENTICATE binds itself to that
 * socket's TLS certificate (MsvAvChannelBindings), which sites with Extended Protection require.
 *
 * Every failure is an AuthorityUnavailableError with a sentence for the operator: the caller
 * retries, and health reports it.
 */
import { Agent, request as httpsRequest } from "node:https";
import type { IncomingHttpHeaders } from "node:http";
import type { TLSSocket } from "node:tls";
import { AuthorityUnavailableError } from "../authority.js";
import { channelBindingsHash } from "./ntlm/channel-binding.js";
import { ntlmCredentials } from "./ntlm/credentials.js";
import { authenticateMessage, negotiateMessage, readChallengeMessage } from "./ntlm/messages.js";

/** Pages are a few kilobytes and a PKCS#7 chain a few more; anything this large is not certsrv. */
const MAX_BODY_BYTES = 4 * 1024 * 1024;

// magnuswatn/certsrv found IIS labels certificates wrongly for clients that do not look like a
// browser (adcs.md §3.1 quirks); the rest names us for the IIS log.
const USER_AGENT = "Mozilla/5.0 (compatible; Certeasy ADCS Web Enrollment client)";

export type CertsrvAuth = "basic" | "ntlm";

export interface CertsrvClientOptions {
  /** the site, ending with "/" (e.g. https://ca01.corp.example/certsrv/) */
  readonly baseUrl: URL;
  readonly auth: CertsrvAuth;
  readonly username: string;
  readonly password: string;
  /** PEM certificates to trust instead of the system's, from `ca-bundle` */
  readonly ca?: string | undefined;
  /** the longest one exchange (all its round trips) may take */
  readonly timeoutMs: number;
}

export interface CertsrvResponse {
  readonly status: number;
  readonly contentType: string;
  readonly body: Buffer;
}

export interface CertsrvClient {
  get(path: string): Promise<CertsrvResponse>;
  post(path: string, form: URLSearchParams): Promise<CertsrvResponse>;
}

interface RawResponse {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
  readonly socket: TLSSocket;
}

export function certsrvClient(options: CertsrvClientOptions): CertsrvClient {
  const exchange = async (method: "GET" | "POST", path: string, body?: string): Promise<CertsrvResponse> => {
    const url = new URL(path, options.baseUrl);
    const where = `${method} ${url.pathname}`;
    const agent = new Agent({ keepAlive: true, maxSockets: 1, ...(options.ca !== undefined ? { ca: options.ca } : {}) });
    const signal = AbortSignal.timeout(options.timeoutMs);
    const send = (authorization: string) => sendOnce(agent, url, method, authorization, body, signal).catch((err: unknown) => {
      throw transportError(err, where, options);
    });
    try {
      if (options.auth === "basic") {
        const token = Buffer.from(`${options.username}:${options.password}`, "utf8").toString("base64");
        return accepted(await send(`Basic ${token}`), where, options);
      }
      const negotiate = negotiateMessage();
      const first = await send(`NTLM ${Buffer.from(negotiate).toString("base64")}`);
      if (first.status !== 401) return accepted(first, where, options);
      const token = ntlmToken(first.headers["www-authenticate"]);
      if (token === undefined) {
        throw new AuthorityUnavailableError(`certsrv refused ${where} and offers no NTLM challenge (it offers: ${schemes(first.headers["www-authenticate"])}); check auth in the authority's configuration`);
      }
      let authenticate: Uint8Array;
      try {
        const challenge = readChallengeMessage(token);
        const certificate = first.socket.getPeerCertificate();
        authenticate = authenticateMessage(negotiate, challenge, ntlmCredentials(options.username, options.password), {
          channelBindings: certificate.raw === undefined ? undefined : channelBindingsHash(new Uint8Array(certificate.raw)),
        });
      } catch (err) {
        throw new AuthorityUnavailableError(`certsrv sent an NTLM challenge Certeasy cannot answer: ${(err as Error).message}`, { cause: err });
      }
      const second = await send(`NTLM ${Buffer.from(authenticate).toString("base64")}`);
      if (second.socket !== first.socket) {
        throw new AuthorityUnavailableError(`certsrv closed the connection between the NTLM challenge and the answer to ${where} (a proxy that does not keep connections, or a server that drops keep-alive)`);
      }
      return accepted(second, where, options);
    } finally {
      agent.destroy();
    }
  };
  return {
    get: (path) => exchange("GET", path),
    post: (path, form) => exchange("POST", path, form.toString()),
  };
}

function sendOnce(agent: Agent, url: URL, method: string, authorization: string, body: string | undefined, signal: AbortSignal): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string | number> = { Authorization: authorization, "User-Agent": USER_AGENT, Accept: "*/*" };
    if (body !== undefined) {
      headers["Content-Type"] = "application/x-www-form-urlencoded";
      headers["Content-Length"] = Buffer.byteLength(body);
    }
    const req = httpsRequest(url, { method, agent, headers, signal }, (res) => {
      // Taken now: once the body is read, a keep-alive socket goes back to the agent and
      // res.socket is null.
      const socket = res.socket as TLSSocket;
      const chunks: Buffer[] = [];
      let size = 0;
      res.on("data", (chunk: Buffer) => {
        size += chunk.length;
        if (size > MAX_BODY_BYTES) {
          req.destroy(new Error(`the response is larger than ${MAX_BODY_BYTES} bytes`));
          return;
        }
        chunks.push(chunk);
      });
      res.on("error", reject);
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks), socket }));
    });
    req.on("error", reject);
    req.end(body);
  });
}

function accepted(response: RawResponse, where: string, options: CertsrvClientOptions): CertsrvResponse {
  if (response.status === 401) {
    throw new AuthorityUnavailableError(
      `certsrv refused the credentials of ${options.username} with ${options.auth} authentication (HTTP 401 to ${where}): check the username, the password and that the site allows ${options.auth}`,
    );
  }
  if (response.status < 200 || response.status > 299) {
    throw new AuthorityUnavailableError(`certsrv answered HTTP ${response.status} to ${where}`);
  }
  return { status: response.status, contentType: String(response.headers["content-type"] ?? ""), body: response.body };
}

/** The base64 token of the `NTLM <token>` challenge among the WWW-Authenticate values. */
function ntlmToken(header: string | string[] | undefined): Uint8Array | undefined {
  for (const value of headerValues(header)) {
    const match = /^NTLM\s+([A-Za-z0-9+/=]+)\s*$/i.exec(value.trim());
    if (match?.[1]) return new Uint8Array(Buffer.from(match[1], "base64"));
  }
  return undefined;
}

const headerValues = (header: string | string[] | undefined): string[] => (header === undefined ? [] : Array.isArray(header) ? header : header.split(/,(?=\s*[A-Za-z]+(?:\s|$))/));

const schemes = (header: string | string[] | undefined): string => {
  const names = headerValues(header).map((value) => value.trim().split(/\s+/)[0] ?? "").filter((name) => name !== "");
  return names.length === 0 ? "nothing" : [...new Set(names)].join(", ");
};

// OpenSSL's verification codes: the server's certificate did not verify against the trust used.
const VERIFY_CODES = /^(?:UNABLE_TO_|SELF_SIGNED|DEPTH_ZERO|CERT_|ERR_TLS_CERT_ALTNAME_INVALID)/;

/** A failed connection, handshake or exchange as one sentence for the operator. */
export function transportError(err: unknown, where: string, options: Pick<CertsrvClientOptions, "baseUrl" | "ca" | "timeoutMs">): AuthorityUnavailableError {
  if (err instanceof AuthorityUnavailableError) return err;
  const error = err as NodeJS.ErrnoException;
  if (error.name === "AbortError" || error.name === "TimeoutError") {
    return new AuthorityUnavailableError(`certsrv did not answer ${where} within ${options.timeoutMs} ms (default-timeout)`, { cause: err });
  }
  const code = error.code ?? "";
  if (VERIFY_CODES.test(code)) {
    const trust = options.ca === undefined ? "the system's trusted CAs (set ca-bundle to the CA that issued the site's certificate)" : "the configured ca-bundle";
    return new AuthorityUnavailableError(`the certificate of ${options.baseUrl.host} does not verify against ${trust}: ${error.message}`, { cause: err });
  }
  return new AuthorityUnavailableError(`cannot reach certsrv at ${options.baseUrl.origin} for ${where}: ${error.message}`, { cause: err });
}
