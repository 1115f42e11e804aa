/**
 * Parsing an ACME request body into its flattened JWS parts (RFC 8555 §6.2, RFC 7515 §7.2.2),
 * before any key is touched. Everything RFC 8555 forbids is refused here as `malformed`:
 * the compact and general serialisations, an unprotected header, a detached or unencoded
 * payload, and critical extensions we do not implement.
 */
import { malformed } from "./jws-problems.js";

export interface FlattenedJws {
  readonly protected: string;
  readonly payload: string;
  readonly signature: string;
  /** The decoded protected header, not yet checked beyond being a JSON object. */
  readonly header: Readonly<Record<string, unknown>>;
}

const BASE64URL = /^[A-Za-z0-9_-]*$/;
const COMPACT = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]+$/;

export function parseFlattenedJws(body: string): FlattenedJws {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    throw COMPACT.test(body.trim())
      ? malformed("The JWS uses the compact serialisation; ACME requires the flattened JSON serialisation.")
      : malformed("The request body is not JSON; ACME requires a flattened JSON JWS.");
  }
  if (!isJsonObject(parsed)) throw malformed("The request body must be a flattened JSON JWS object.");
  if ("signatures" in parsed) {
    throw malformed("The JWS uses the general serialisation; ACME requires the flattened JSON serialisation with one signature.");
  }
  if ("header" in parsed) throw malformed("The JWS must not have an unprotected header (RFC 8555 §6.2).");
  const protectedPart = base64urlPart(parsed, "protected");
  const payload = base64urlPart(parsed, "payload");
  const signature = base64urlPart(parsed, "signature");
  if (protectedPart === "") throw malformed("The JWS protected header is empty.");

  const header = decodeJson(protectedPart);
  if (!isJsonObject(header)) throw malformed("The JWS protected header must be a JSON object.");
  if ("b64" in header || "crit" in header) {
    throw malformed("The JWS must not use critical header extensions or an unencoded payload (RFC 8555 §6.2).");
  }
  return { protected: protectedPart, payload, signature, header };
}

/** RFC 8555 §6.3: an empty payload is POST-as-GET; any other payload is a JSON object. */
export function decodePayload(payload: string): Readonly<Record<string, unknown>> | "" {
  if (payload === "") return "";
  const value = decodeJson(payload);
  if (!isJsonObject(value)) throw malformed("The JWS payload must be a JSON object, or empty for POST-as-GET.");
  return value;
}

function base64urlPart(jws: Record<string, unknown>, name: string): string {
  const value = jws[name];
  if (typeof value !== "string") {
    throw malformed(`The JWS member ${name} is missing or not a string${name === "payload" ? " (a detached payload is not allowed)" : ""}.`);
  }
  if (!BASE64URL.test(value)) throw malformed(`The JWS member ${name} is not base64url.`);
  return value;
}

function decodeJson(part: string): unknown {
  try {
    return JSON.parse(Buffer.from(part, "base64url").toString("utf8"));
  } catch {
    throw malformed("A JWS part does not decode to JSON.");
  }
}

function isJsonObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
