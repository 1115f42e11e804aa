/**
 * What the server recorded, read from `certeasy events export` (NDJSON, one event envelope a
 * line): for a client that keeps the server's account object to itself, the account the
 * server registered for a key is the evidence that its registration said what it should.
 */
import { createHash, createPublicKey } from "node:crypto";
import type { InteropContext } from "./context.js";
import { isRecord, strings } from "./json-lines.js";
import { ScenarioFailure, tail } from "./scenario.js";

/** RFC 7638 thumbprint of an RSA key (private or public PEM), the key the server's events name the account by. */
export function rsaThumbprint(privateKeyPem: string): string {
  const { e, n } = createPublicKey(privateKeyPem).export({ format: "jwk" });
  return createHash("sha256").update(JSON.stringify({ e, kty: "RSA", n })).digest("base64url");
}

export interface RegisteredAccount {
  readonly accountId: string;
  readonly contact: readonly string[];
}

interface Envelope {
  readonly type?: unknown;
  /** the stream, `account:<accountId>` for an account's events */
  readonly sid?: unknown;
  readonly data?: { readonly accountId?: unknown; readonly contact?: unknown; readonly thumbprint?: unknown; readonly externalAccountBinding?: unknown };
}

/**
 * Every `acme.account.registered` event of the account key with this RFC 7638 thumbprint,
 * oldest first: one, unless the server registered the same key twice.
 */
export function registeredAccounts(exported: string, thumbprint: string): RegisteredAccount[] {
  return registrations(exported, thumbprint).flatMap(({ data }): RegisteredAccount[] =>
    typeof data?.accountId === "string" ? [{ accountId: data.accountId, contact: strings(data.contact) }] : [],
  );
}

/** The envelopes of the export, oldest first. */
function envelopes(exported: string): Envelope[] {
  return exported.split("\n").flatMap((line) => (line.startsWith("{") ? [JSON.parse(line) as Envelope] : []));
}

/** The `acme.account.registered` events of the key with this thumbprint, oldest first. */
function registrations(exported: string, thumbprint: string): Envelope[] {
  return envelopes(exported).filter((event) => event.type === "acme.account.registered" && event.data?.thumbprint === thumbprint);
}

/** The first `acme.account.registered` event of the account key with this thumbprint, or null. */
export function registeredAccount(exported: string, thumbprint: string): RegisteredAccount | null {
  return registeredAccounts(exported, thumbprint)[0] ?? null;
}

/**
 * The EAB key id (RFC 8555 §7.3.4) the account of the key with this thumbprint was registered
 * under, from its first `acme.account.registered` event; null when unbound or not registered.
 */
export function boundEabKeyId(exported: string, thumbprint: string): string | null {
  const binding = registrations(exported, thumbprint)[0]?.data?.externalAccountBinding;
  return isRecord(binding) && typeof binding["keyId"] === "string" ? binding["keyId"] : null;
}

export interface AccountChange {
  /** the event type without `acme.account.`: registered, updated, key-changed, deactivated */
  readonly kind: string;
  /** the contact list the event set (registered, updated), else null */
  readonly contact: readonly string[] | null;
}

/**
 * What happened to the account with this id (the last path segment of its URL, RFC 8555 §7.3),
 * oldest first: the events of its stream `account:<accountId>`.
 */
export function accountChanges(exported: string, accountId: string): AccountChange[] {
  return envelopes(exported).flatMap(({ sid, type, data }): AccountChange[] => {
    if (sid !== `account:${accountId}` || typeof type !== "string" || !type.startsWith("acme.account.")) return [];
    return [{ kind: type.slice("acme.account.".length), contact: Array.isArray(data?.contact) ? strings(data.contact) : null }];
  });
}

export async function exportedEvents(context: InteropContext): Promise<string> {
  const result = await context.server.cli("events", "export");
  if (result.code !== 0) throw new ScenarioFailure(`certeasy events export exited with ${result.code}`, tail(result.stderr, 10));
  return result.stdout;
}
