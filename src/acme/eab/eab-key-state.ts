/**
 * An EAB key as its stream tells it: the fold the decider decides on. Pure.
 */
import type { CerteasyEvent, EncryptedEabKey } from "../../../events/index.js";

export interface EabKeyState {
  readonly keyId: string;
  readonly encryptedKey: EncryptedEabKey;
  readonly allowedNames: readonly string[];
  readonly allowedProfiles: readonly string[];
  readonly note: string | null;
  readonly revoked: boolean;
  /** set by `acme.eab.key-bound`; a key binds one account at most */
  readonly boundAccountId: string | null;
}

export type EabEvent = Extract<CerteasyEvent, { type: `acme.eab.${string}` }>;

export const isEabEvent = (event: CerteasyEvent): event is EabEvent => event.type.startsWith("acme.eab.");

/** An EAB stream whose first event is not key-created: the log was written by a bug. */
export class EabStreamError extends Error {
  override readonly name = "EabStreamError";
}

export function evolveEabKey(state: EabKeyState | null, event: EabEvent): EabKeyState {
  switch (event.type) {
    case "acme.eab.key-created":
      return {
        keyId: event.data.keyId,
        encryptedKey: event.data.encryptedKey,
        allowedNames: event.data.allowedNames,
        allowedProfiles: event.data.allowedProfiles,
        note: event.data.note,
        revoked: false,
        boundAccountId: null,
      };
    case "acme.eab.key-revoked":
      return { ...known(state, event), revoked: true };
    case "acme.eab.key-bound":
      return { ...known(state, event), boundAccountId: event.data.accountId };
  }
}

export const foldEabKey = (events: readonly EabEvent[]): EabKeyState | null =>
  events.reduce<EabKeyState | null>(evolveEabKey, null);

function known(state: EabKeyState | null, event: EabEvent): EabKeyState {
  if (!state) throw new EabStreamError(`${event.type} before acme.eab.key-created`);
  return state;
}
