/**
 * An acme-client account with an order for `name` whose http-01 challenge is answered and
 * valid, and a fresh CSR for it: the order is ready to finalize.
 */
import * as acme from "acme-client";
import type { AcmeTestServer } from "./acme-server.js";

export async function readyOrder(server: AcmeTestServer, name: string): Promise<{ client: acme.Client; order: acme.Order; csr: Buffer }> {
  const client = new acme.Client({ directoryUrl: server.directoryUrl, accountKey: await acme.crypto.createPrivateEcdsaKey() });
  await client.createAccount({ termsOfServiceAgreed: true });
  const order = await client.createOrder({ identifiers: [{ type: "dns", value: name }] });
  await answerHttp01(client, order, server.http01);
  const [, csr] = await acme.crypto.createCsr({ altNames: [name] }, await acme.crypto.createPrivateEcdsaKey());
  return { client, order, csr };
}

/** Puts up the key authorization of every authorization's http-01 challenge and waits until each is valid. */
export async function answerHttp01(client: acme.Client, order: acme.Order, http01: { set(token: string, keyAuthorization: string): void }): Promise<void> {
  for (const authorization of await client.getAuthorizations(order)) {
    const challenge = authorization.challenges.find((c) => c.type === "http-01");
    if (!challenge) throw new Error("no http-01 challenge offered");
    http01.set(challenge.token, await client.getChallengeKeyAuthorization(challenge));
    await client.completeChallenge(challenge);
    await client.waitForValidStatus(challenge);
  }
}
