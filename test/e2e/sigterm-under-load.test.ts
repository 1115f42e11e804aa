/**
 * SIGTERM in the middle of a load of real ACME writes (newAccount): every request either
 * completed with its answer or was refused at the connection — never a 5xx — the server exits
 * 0, and after a restart every account it acknowledged exists, the audit file verifies, and the
 * event chain is intact.
 */
import { readFile } from "node:fs/promises";
import { Agent, request } from "node:https";
import type { LookupFunction } from "node:net";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { accountKey, signedBody } from "../acme/jws-fixtures.js";
import { createInstallation, killLeftoverChildren, type Installation } from "./harness.js";

const loopback: LookupFunction = (_host, options, callback) => {
  if (options.all) callback(null, [{ address: "127.0.0.1", family: 4 }]);
  else callback(null, "127.0.0.1", 4);
};

interface Answer {
  readonly status: number;
  readonly location?: string;
  readonly nonce?: string;
}

function send(agent: Agent, url: string, method: string, body?: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, agent, lookup: loopback, headers: body ? { "Content-Type": "application/jose+json" } : {} });
    req.once("error", reject);
    req.once("response", (res) => {
      res.resume();
      res.once("end", () =>
        resolve({
          status: res.statusCode ?? 0,
          ...(typeof res.headers.location === "string" ? { location: res.headers.location } : {}),
          ...(typeof res.headers["replay-nonce"] === "string" ? { nonce: res.headers["replay-nonce"] } : {}),
        }),
      );
    });
    req.end(body);
  });
}

let node: Installation;
beforeAll(async () => {
  node = await createInstallation();
});
afterEach(killLeftoverChildren);
afterAll(async () => node?.cleanup());

describe("SIGTERM under load", () => {
  it("answers or cleanly refuses every request, exits 0, and loses no acknowledged account", async () => {
    const server = await node.serve();
    const ca = await readFile(node.rootCaPath, "utf8");
    const agent = new Agent({ ca, keepAlive: true, maxSockets: 16 });
    const base = node.baseUrl.replace(/\/$/, "");
    const created: string[] = [];
    const statuses: number[] = [];
    const refusals: string[] = [];
    let stopping = false;

    const worker = async (): Promise<void> => {
      for (let i = 0; i < 200 && !(stopping && refusals.length > 0); i++) {
        try {
          const { nonce } = await send(agent, `${base}/acme/newNonce`, "HEAD");
          const key = await accountKey("ES256");
          const body = await signedBody(key, { url: `${base}/acme/newAccount`, nonce, payload: {} });
          const answer = await send(agent, `${base}/acme/newAccount`, "POST", body);
          statuses.push(answer.status);
          if (answer.status === 201 && answer.location) created.push(answer.location);
        } catch (error) {
          refusals.push((error as NodeJS.ErrnoException).code ?? (error as Error).message);
          if (stopping) return;
        }
      }
    };
    const load = Promise.all(Array.from({ length: 16 }, () => worker()));
    await expect.poll(() => created.length, { timeout: 30_000 }).toBeGreaterThanOrEqual(40);
    stopping = true;
    const exit = await server.stop("SIGTERM");
    await load;
    agent.destroy();

    expect(exit.code).toBe(0);
    expect(statuses.filter((s) => s >= 500)).toEqual([]);
    for (const code of refusals) expect(["ECONNREFUSED", "ECONNRESET", "EPIPE", "socket hang up"]).toContain(code);
    expect(new Set(statuses)).toEqual(new Set([201]));

    // After a restart: every acknowledged account is there, and the history verifies.
    const restarted = await node.serve();
    await restarted.stop("SIGTERM");
    const rows = await node.db.query<{ account_id: string }>("SELECT account_id FROM acme_accounts");
    const stored = new Set(rows.map((r) => r.account_id));
    for (const url of created) expect(stored.has(url.slice(url.lastIndexOf("/") + 1)), url).toBe(true);
    expect((await node.cli("audit", "verify")).code).toBe(0);
    expect((await node.cli("events", "verify")).code).toBe(0);
  }, 120_000);
});
