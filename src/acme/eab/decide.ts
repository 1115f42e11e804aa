/**
 * The EAB key decider: (state, command) → events or a refusal. Pure; the command handler
 * (EabService) brings the lookups it needs — whether the account a key names was registered.
 */
import { EabKeyBound, EabKeyCreated, EabKeyRevoked, type EncryptedEabKey, type PendingEvent } from "../../../events/index.js";
import { domainError, type DomainError } from "../../domain/domain-error.js";
import type { EabKeyState } from "./eab-key-state.js";
import { canonicalNameRules, canonicalProfiles } from "./scope.js";

export interface CreateEabKey {
  readonly kind: "create";
  readonly keyId: string;
  readonly encryptedKey: EncryptedEabKey;
  readonly allowedNames: readonly string[];
  readonly allowedProfiles: readonly string[];
  readonly note: string | null;
}

export interface RevokeEabKey {
  readonly kind: "revoke";
}

/** RFC 8555 §7.3.4 newAccount with a verified binding for this key. */
export interface BindEabKey {
  readonly kind: "bind";
  readonly accountId: string;
  /**
   * Whether the account the key is already bound to has its `acme.account.registered`. The key
   * is bound first and the account registered second (two streams); a node that stopped in
   * between leaves a key bound to an account id with no account, which the next newAccount with
   * that key completes under the same id — so one key still ends with one account.
   */
  readonly boundAccountRegistered: boolean;
}

export type EabCommand = CreateEabKey | RevokeEabKey | BindEabKey;

export type EabDecision =
  | { readonly kind: "accepted"; readonly events: readonly PendingEvent[] }
  | { readonly kind: "rejected"; readonly error: DomainError };

const accepted = (...events: PendingEvent[]): EabDecision => ({ kind: "accepted", events });
const rejected = (error: DomainError): EabDecision => ({ kind: "rejected", error });

export function decideEab(state: EabKeyState | null, command: EabCommand): EabDecision {
  switch (command.kind) {
    case "create":
      return create(state, command);
    case "revoke":
      if (!state) return rejected(domainError("malformed", "No EAB key has this key id."));
      // Revoking twice changes nothing; the answer says so.
      return state.revoked ? accepted() : accepted(EabKeyRevoked.create({}));
    case "bind":
      return bind(state, command);
  }
}

function create(state: EabKeyState | null, command: CreateEabKey): EabDecision {
  if (state) return rejected(domainError("malformed", `An EAB key with key id ${command.keyId} already exists.`));
  const names = canonicalNameRules(command.allowedNames);
  if (!names.ok) return rejected(domainError("malformed", names.detail));
  const profiles = canonicalProfiles(command.allowedProfiles);
  if (!profiles.ok) return rejected(domainError("malformed", profiles.detail));
  const note = command.note?.trim() || null;
  if (note !== null && note.length > 256) return rejected(domainError("malformed", "The note must be at most 256 characters."));
  return accepted(
    EabKeyCreated.create({
      keyId: command.keyId,
      encryptedKey: command.encryptedKey,
      allowedNames: [...names.rules],
      allowedProfiles: [...profiles.profiles],
      note,
    }),
  );
}

/** RFC 8555 §7.3.4: this server binds one account per key (the RFC lets the server choose). */
function bind(state: EabKeyState | null, command: BindEabKey): EabDecision {
  if (!state) return rejected(domainError("unauthorized", "The externalAccountBinding names an unknown key id."));
  // Revocation comes first: it also stops the completion of a binding whose account was never registered.
  if (state.revoked) return rejected(domainError("unauthorized", `The external account binding key ${state.keyId} has been revoked.`));
  if (state.boundAccountId !== null) {
    if (!command.boundAccountRegistered && state.boundAccountId === command.accountId) return accepted();
    return rejected(domainError("unauthorized", `The external account binding key ${state.keyId} is already bound to an account; each key binds one account.`));
  }
  return accepted(EabKeyBound.create({ accountId: command.accountId }));
}
