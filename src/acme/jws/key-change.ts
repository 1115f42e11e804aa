/**
 * The inner JWS of a key rollover (RFC 8555 §7.3.5): the outer request, signed by the account's
 * current key, carries as its payload a JWS signed by the NEW key, whose protected header holds
 * that key as `jwk` and the same `url`, and no `nonce`; its payload names the account and the
 * old key. Proving possession of both keys is what makes the rollover safe.
 */
import { importPublicJwk } from "./account-key-cache.js";
import { isAcmeJwsAlgorithm } from "./algorithms.js";
import { decodePayload, parseFlattenedJws } from "./flattened-jws.js";
import { badSignatureAlgorithm, malformed } from "./jws-problems.js";
import { algorithmForKey, jwkThumbprint, parsePublicJwk, type AcmePublicJwk } from "./public-jwk.js";
import { verifySignature } from "./verify-acme-jws.js";

export interface KeyChange {
  /** the new key, proven by the inner signature */
  readonly newKey: AcmePublicJwk;
  readonly newThumbprint: string;
  /** thumbprint of the inner payload's `oldKey` */
  readonly oldThumbprint: string;
}

/**
 * @param outerPayload the verified outer request's payload (the inner JWS as a JSON object)
 * @param outerUrl the outer request's `url`
 * @param accountUrl the outer request's `kid`
 */
export async function verifyKeyChange(outerPayload: unknown, outerUrl: string, accountUrl: string): Promise<KeyChange> {
  if (typeof outerPayload !== "object" || outerPayload === null) throw malformed("The keyChange payload must be a JWS signed with the new key.");
  const inner = parseFlattenedJws(JSON.stringify(outerPayload));
  const { header } = inner;
  if (!isAcmeJwsAlgorithm(header["alg"])) throw badSignatureAlgorithm("The inner JWS algorithm is not accepted.");
  if (header["jwk"] === undefined || header["kid"] !== undefined) throw malformed("The inner JWS must carry the new key as jwk, and no kid.");
  if (header["nonce"] !== undefined) throw malformed("The inner JWS must not carry a nonce (RFC 8555 §7.3.5).");
  if (header["url"] !== outerUrl) throw malformed("The inner JWS url must equal the outer JWS url.");
  const newKey = parsePublicJwk(header["jwk"]);
  const imported = await importPublicJwk(newKey);
  if (algorithmForKey(newKey) !== header["alg"]) throw badSignatureAlgorithm("The inner JWS algorithm does not match the new key.");
  await verifySignature(inner, imported);

  const payload = decodePayload(inner.payload);
  if (payload === "") throw malformed("The inner JWS payload must name the account and the old key.");
  if (payload["account"] !== accountUrl) throw malformed("The inner JWS account must be the URL of the account making the request.");
  const oldKey = parsePublicJwk(payload["oldKey"]);
  return { newKey, newThumbprint: jwkThumbprint(newKey), oldThumbprint: jwkThumbprint(oldKey) };
}
