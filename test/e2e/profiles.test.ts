/**
 * Issuance policies and ACME profiles (draft-ietf-acme-profiles, reference §2.2, §3.3) with a
 * real client: the directory lists the profiles, an order names one or gets the first policy
 * that allows its names, and a name no policy allows is refused per identifier.
 */
import { lookup as dnsLookup } from "node:dns";
import https from "node:https";
import type { LookupFunction } from "node:net";
import * as acme from "acme-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { policy } from "../domain/policy/fixtures.js";
import { startAcmeTestServer, type AcmeTestServer } from "./acme-server.js";

const loopback: LookupFunction = (_host, options, callback) => dnsLookup("127.0.0.1", { ...options, family: 4 }, callback);

let server: AcmeTestServer;

beforeAll(async () => {
  server = await startAcmeTestServer({
    issuancePolicies: [
      policy("web", { allow: [".web.test/2"] }),
      policy("internal", { allow: [".corp.test/3", "*..corp.test/2"], profile: "internal" }),
    ],
  });
  acme.axios.defaults.httpsAgent = new https.Agent({ ca: server.rootPem, lookup: loopback });
});
afterAll(async () => server?.stop());

async function newClient(): Promise<acme.Client> {
  const client = new acme.Client({ directoryUrl: server.directoryUrl, accountKey: await acme.crypto.createPrivateEcdsaKey() });
  await client.createAccount({ termsOfServiceAgreed: true });
  return client;
}

/** acme-client's types predate profiles; the payload is sent as given. */
const withProfile = (name: string, profile: string) => {
  const request = { identifiers: [{ type: "dns", value: name }], profile };
  return request;
};

describe("profiles and issuance policies", () => {
  it("lists the offered profiles in the directory", async () => {
    const directory = (await acme.axios.get(server.directoryUrl)).data as { meta: { profiles?: Record<string, string> } };
    expect(directory.meta.profiles).toEqual({ internal: "internal certificates" });
  });

  it("records the requested profile, and the first matching policy's profile when none is asked for", async () => {
    const client = await newClient();
    const asked = await client.createOrder(withProfile("app.corp.test", "internal"));
    expect((asked as { profile?: string }).profile).toBe("internal");
    const chosen = await client.createOrder({ identifiers: [{ type: "dns", value: "db.eu.corp.test" }] });
    expect((chosen as { profile?: string }).profile).toBe("internal");
    const web = await client.createOrder({ identifiers: [{ type: "dns", value: "www.web.test" }] });
    expect((web as { profile?: string }).profile).toBeUndefined();
  });

  it("refuses an unknown profile, a name outside the profile, and a name no policy allows", async () => {
    const client = await newClient();
    await expect(client.createOrder(withProfile("a.corp.test", "shortlived"))).rejects.toThrow(
      /Profile "shortlived" is not offered; this server offers "internal"/,
    );
    await expect(client.createOrder(withProfile("www.web.test", "internal"))).rejects.toThrow(
      /not allowed under profile "internal"/,
    );
    await expect(client.createOrder({ identifiers: [{ type: "dns", value: "evil.example" }] })).rejects.toThrow(/is not allowed by this server's issuance policies/);
  });
});
