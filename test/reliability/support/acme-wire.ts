/**
 * A raw ACME wire client for hostile-input tests: it sends whatever bytes a test builds (no
 * client library would send most of them) over one keep-alive HTTPS connection pool that trusts
 * only the test server's root, and fetches fresh nonces.
 */
import { Agent, request } from "node:https";
import type { AcmeTestServer } from "../../e2e/acme-server.js";
import { signedBody, type SignOptions, type TestAccountKey } from "../../acme/jws-fixtures.js";

export interface WireResponse {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: string;
}

export interface WireRequest {
  readonly method?: "POST" | "GET" | "HEAD" | "PUT" | "PATCH" | "DELETE";
  readonly url: string;
  readonly body?: string | Buffer;
  /** default `application/jose+json`; null sends no Content-Type at all */
  readonly contentType?: string | null;
}

export class AcmeWire {
  readonly #agent: Agent;
  readonly #server: AcmeTestServer;

  constructor(server: AcmeTestServer) {
    this.#server = server;
    this.#agent = new Agent({ keepAlive: true, maxSockets: 4, ca: server.rootPem });
  }

  url(path: string): string {
    return new URL(path.replace(/^\//, ""), this.#server.baseUrl).toString();
  }

  send(req: WireRequest): Promise<WireResponse> {
    return new Promise((resolve, reject) => {
      const contentType = req.contentType === undefined ? "application/jose+json" : req.contentType;
      const headers: Record<string, string | number> = {};
      if (contentType !== null) headers["content-type"] = contentType;
      if (req.body !== undefined) headers["content-length"] = Buffer.byteLength(req.body);
      const r = request(req.url, { method: req.method ?? "POST", agent: this.#agent, headers }, (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString("utf8") }));
        res.on("error", reject);
      });
      r.on("error", reject);
      r.end(req.body);
    });
  }

  async nonce(): Promise<string> {
    const res = await this.send({ method: "HEAD", url: this.url("/acme/newNonce"), contentType: null });
    const nonce = res.headers["replay-nonce"];
    if (typeof nonce !== "string") throw new Error(`newNonce answered ${res.status} without a Replay-Nonce`);
    return nonce;
  }

  /** A correctly signed request with a fresh nonce unless the options say otherwise. */
  async signed(key: TestAccountKey, options: Omit<SignOptions, "nonce"> & { nonce?: string | null }): Promise<WireResponse> {
    const nonce = options.nonce === null ? undefined : (options.nonce ?? (await this.nonce()));
    return this.send({ url: options.url, body: await signedBody(key, { ...options, nonce }) });
  }

  close(): void {
    this.#agent.destroy();
  }
}

/** The problem document of an error response, or null when the body is not one. */
export function problemOf(res: WireResponse): { type: string; detail: string } | null {
  try {
    const doc = JSON.parse(res.body) as { type?: unknown; detail?: unknown };
    return typeof doc.type === "string" && typeof doc.detail === "string" ? { type: doc.type, detail: doc.detail } : null;
  } catch {
    return null;
  }
}
