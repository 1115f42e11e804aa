/**
 * The admin channel (`<workdir>/admin.sock`) in process: a private socket (0600) that serves the
 * EAB operations to the CLI's client with the same answers and the same errors as the EabService
 * behind it, records who asked, replaces a dead node's socket file, and disappears on close.
 */
import { request } from "node:http";
import { stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { pino } from "pino";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { eabStreamId } from "../../events/index.js";
import { EabKeyNotFoundError, EabRequestError } from "../../src/acme/eab/index.js";
import { AdminClient, adminChannelListening, startAdminChannel, type AdminChannel } from "../../src/admin/index.js";
import { openEabStore, type EabStore } from "./fixtures.js";

let store: EabStore;
let channel: AdminChannel | undefined;
let socketPath: string;

beforeEach(async () => {
  store = await openEabStore();
  socketPath = join(store.workdir, "admin.sock");
});
afterEach(async () => {
  await channel?.close();
  channel = undefined;
  await store?.close();
});

const start = async (): Promise<AdminChannel> =>
  (channel = await startAdminChannel({ workdir: store.workdir, eab: store.eab, log: pino({ level: "silent" }) }));

function raw(method: string, path: string, body?: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ socketPath, method, path }, (res) => {
      let text = "";
      res.on("data", (c: Buffer) => (text += c.toString()));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body: text }));
    });
    req.on("error", reject);
    req.end(body);
  });
}

describe("admin channel", () => {
  it("listens on a 0600 socket in the workdir and serves create, list and revoke", async () => {
    expect((await start()).path).toBe(socketPath);
    expect((await stat(socketPath)).mode & 0o777).toBe(0o600);
    expect(await adminChannelListening(socketPath)).toBe(true);

    const client = new AdminClient(socketPath, "alice");
    const created = await client.createKey({ allowedNames: ["*.corp.example"], allowedProfiles: [], note: "ci" });
    expect(Buffer.from(created.hmacKey, "base64url")).toHaveLength(32);
    expect(await client.listKeys()).toEqual([created.key]);
    expect(await client.revokeKey(created.key.keyId)).toMatchObject({ alreadyRevoked: false, key: { status: "revoked" } });
    expect(await store.eab.listKeys()).toEqual([expect.objectContaining({ keyId: created.key.keyId, status: "revoked" })]);

    const [event] = await store.dialect.readStream(eabStreamId(created.key.keyId));
    expect(JSON.parse(event?.body ?? "{}")).toMatchObject({ meta: { actor: "operator:alice" } });
  });

  it("answers an unknown key id with 404 and a bad request with 400, which the client turns back into the service's errors", async () => {
    await start();
    const client = new AdminClient(socketPath, "alice");
    await expect(client.revokeKey("nosuchkey")).rejects.toThrow(EabKeyNotFoundError);
    await expect(client.createKey({ allowedNames: ["*"], allowedProfiles: [], note: null })).rejects.toThrow(EabRequestError);
    expect(await raw("POST", "/eab/keys", "not json")).toMatchObject({ status: 400, body: expect.stringMatching(/not JSON/) });
    expect(await raw("POST", "/eab/keys", JSON.stringify({ allowedNames: "x" }))).toMatchObject({ status: 400 });
    expect(await raw("DELETE", "/eab/keys")).toMatchObject({ status: 404 });
    expect(await store.eab.listKeys()).toEqual([]);
  });

  it("replaces a socket file a dead node left behind, and removes its own on close", async () => {
    await writeFile(socketPath, "");
    expect(await adminChannelListening(socketPath)).toBe(false);
    await start();
    expect(await adminChannelListening(socketPath)).toBe(true);
    await channel?.close();
    channel = undefined;
    await expect(stat(socketPath)).rejects.toMatchObject({ code: "ENOENT" });
    expect(await adminChannelListening(socketPath)).toBe(false);
  });
});
