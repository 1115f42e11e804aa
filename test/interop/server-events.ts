/**
 * What the server recorded, read from `certeasy events export` (NDJSON, one event envelope a
 * line): for a client that keeps the server's account object to itself, the account the
 * server registered for a key is the evidence that its registration said what it should.
 */
import type { InteropContext } from "./context.js";
import { ScenarioFailure, tail } from "./scenario.js";

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
  return exported.split("\n").flatMap((line): RegisteredAccount[] => {
    if (!line.startsWith("{")) return [];
    const event = JSON.parse(line) as Envelope;
    if (event.type !== "acme.account.registered" || event.data?.thumbprint !== thumbprint) return [];
    const { accountId, contact } = event.data;
    if (typeof accountId !== "string") return [];
    return [{ accountId, contact: Array.isArray(contact) ? contact.filter((entry): entry is string => typeof entry === "string") : [] }];
  });
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
  for (const line of exported.split("\n")) {
    if (!line.startsWith("{")) continue;
    const event = JSON.parse(line) as Envelope;
    if (event.type !== "acme.account.registered" || event.data?.thumbprint !== thumbprint) continue;
    const binding = event.data.externalAccountBinding;
    if (typeof binding !== "object" || binding === null || !("keyId" in binding)) return null;
    return typeof binding.keyId === "string" ? binding.keyId : null;
  }
  return null;
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
  return exported.split("\n").flatMap((line): AccountChange[] => {
    if (!line.startsWith("{")) return [];
    const event = JSON.parse(line) as Envelope;
    if (event.sid !== `account:${accountId}` || typeof event.type !== "string" || !event.type.startsWith("acme.account.")) return [];
    const contact = event.data?.contact;
    return [{ kind: event.type.slice("acme.account.".length), contact: Array.isArray(contact) ? contact.filter((entry): entry is string => typeof entry === "string") : null }];
  });
}

export async function exportedEvents(context: InteropContext): Promise<string> {
  const result = await context.server.cli("events", "export");
  if (result.code !== 0) throw new ScenarioFailure(`certeasy events export exited with ${result.code}`, tail(result.stderr, 10));
  return result.stdout;
}
