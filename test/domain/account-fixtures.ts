/** Real account keys for the account tests: public JWKs and their RFC 7638 thumbprints. */
import { generateKeyPairSync } from "node:crypto";
import { calculateJwkThumbprint } from "jose";
import { accountJwkSchema, type AccountJwk } from "../../events/index.js";

export interface AccountKey {
  readonly jwk: AccountJwk;
  readonly thumbprint: string;
}

export async function accountKey(): Promise<AccountKey> {
  const { publicKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
  const jwk = accountJwkSchema.parse(publicKey.export({ format: "jwk" }));
  return { jwk, thumbprint: await calculateJwkThumbprint(jwk, "sha256") };
}
