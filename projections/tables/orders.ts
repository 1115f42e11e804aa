/**
 * The order read model: `acme_orders`, `acme_authorizations`, `acme_challenges` and
 * `acme_certificates`, projected from the `order:<orderId>` streams. ACME reads come from these
 * rows (order, authorization and challenge objects, an account's orders list, certificate
 * download, ARI lookups by AKI and serial, revocation by certificate key); commands still decide
 * on the stream itself.
 */
import { canonicalJson, decodeEvent, type StoredEvent } from "../../events/index.js";
import { rowProjection, type TableProjection } from "../projection.js";
import type { RowChange } from "../row-change.js";

export interface OrderRow {
  readonly orderId: string;
  readonly accountId: string;
  readonly status: "pending" | "ready" | "processing" | "valid" | "invalid";
  /** canonical JSON array of {type, value} */
  readonly identifiers: string;
  readonly identifiersHash: string;
  readonly profile: string | null;
  /** epoch ms */
  readonly notBefore: number | null;
  readonly notAfter: number | null;
  readonly expiresAt: number;
  /** JSON array of authorization ids, in identifier order */
  readonly authorizationIds: string;
  /** canonical JSON problem, when invalid */
  readonly error: string | null;
  readonly certificateId: string | null;
  readonly replacesCertificateId: string | null;
  readonly createdAt: number;
  readonly updatedAt: number;
}

export interface AuthorizationRow {
  readonly authzId: string;
  /** the order that created it (and whose stream holds its events) */
  readonly orderId: string;
  readonly accountId: string;
  readonly identifierType: "dns" | "ip";
  /** without the "*." of a wildcard */
  readonly identifierValue: string;
  readonly wildcard: boolean;
  readonly status: "pending" | "valid" | "invalid" | "deactivated";
  readonly expiresAt: number;
  readonly createdAt: number;
  readonly updatedAt: number;
}

export interface ChallengeRow {
  readonly challengeId: string;
  readonly authzId: string;
  readonly orderId: string;
  readonly accountId: string;
  readonly type: "http-01" | "dns-01" | "tls-alpn-01";
  readonly token: string;
  readonly status: "pending" | "processing" | "valid" | "invalid";
  readonly keyAuthorization: string | null;
  readonly validatedAt: number | null;
  readonly error: string | null;
  readonly updatedAt: number;
}

export interface CertificateRow {
  readonly certificateId: string;
  readonly orderId: string;
  readonly accountId: string;
  readonly authority: string;
  readonly serial: string;
  readonly aki: string;
  readonly identifiers: string;
  readonly identifiersHash: string;
  readonly notBefore: number;
  readonly notAfter: number;
  readonly chainPem: string;
  readonly spkiSha256: string;
  readonly status: "valid" | "revoked";
  readonly revokedAt: number | null;
  readonly revocationReason: number | null;
  readonly createdAt: number;
}

/** An order event outside an `order:<orderId>` stream: the log was written by a bug. */
export class OrderStreamIdError extends Error {
  override readonly name = "OrderStreamIdError";
}

const STREAM_PREFIX = "order:";

function orderKey(event: StoredEvent): { orderId: string } {
  if (!event.sid.startsWith(STREAM_PREFIX)) throw new OrderStreamIdError(`${event.type} in stream ${event.sid}`);
  return { orderId: event.sid.slice(STREAM_PREFIX.length) };
}

const update = (table: RowChange["table"], key: Record<string, string>, set: Record<string, string | number | boolean | null>): RowChange => ({
  kind: "update",
  table,
  key,
  set,
});

export function orderChanges(event: StoredEvent): RowChange[] {
  const decoded = decodeEvent(event);
  const at = Date.parse(event.at);
  switch (decoded.type) {
    case "acme.order.created": {
      const d = decoded.data;
      const order: OrderRow = {
        orderId: d.orderId,
        accountId: d.accountId,
        status: "pending",
        identifiers: canonicalJson(d.identifiers),
        identifiersHash: d.identifiersHash,
        profile: d.profile,
        notBefore: d.notBefore === null ? null : Date.parse(d.notBefore),
        notAfter: d.notAfter === null ? null : Date.parse(d.notAfter),
        expiresAt: Date.parse(d.expires),
        authorizationIds: canonicalJson(d.authorizationIds),
        error: null,
        certificateId: null,
        replacesCertificateId: d.replacesCertificateId,
        createdAt: at,
        updatedAt: at,
      };
      const changes: RowChange[] = [{ kind: "insert", table: "acme_orders", row: { ...order } }];
      for (const a of d.newAuthorizations) {
        const authorization: AuthorizationRow = {
          authzId: a.authzId,
          orderId: d.orderId,
          accountId: d.accountId,
          identifierType: a.identifier.type,
          identifierValue: a.identifier.value,
          wildcard: a.wildcard,
          status: "pending",
          expiresAt: Date.parse(a.expires),
          createdAt: at,
          updatedAt: at,
        };
        changes.push({ kind: "insert", table: "acme_authorizations", row: { ...authorization } });
        for (const c of a.challenges) {
          const challenge: ChallengeRow = {
            challengeId: c.challengeId,
            authzId: a.authzId,
            orderId: d.orderId,
            accountId: d.accountId,
            type: c.type,
            token: c.token,
            status: "pending",
            keyAuthorization: null,
            validatedAt: null,
            error: null,
            updatedAt: at,
          };
          changes.push({ kind: "insert", table: "acme_challenges", row: { ...challenge } });
        }
      }
      return changes;
    }
    case "acme.challenge.processing":
      return [update("acme_challenges", { challengeId: decoded.data.challengeId }, { status: "processing", keyAuthorization: decoded.data.keyAuthorization, updatedAt: at })];
    case "acme.challenge.valid":
      return [update("acme_challenges", { challengeId: decoded.data.challengeId }, { status: "valid", validatedAt: Date.parse(decoded.data.validated), updatedAt: at })];
    case "acme.challenge.invalid":
      return [update("acme_challenges", { challengeId: decoded.data.challengeId }, { status: "invalid", error: canonicalJson(decoded.data.error), updatedAt: at })];
    case "acme.authorization.valid":
      return [update("acme_authorizations", { authzId: decoded.data.authzId }, { status: "valid", expiresAt: Date.parse(decoded.data.expires), updatedAt: at })];
    case "acme.authorization.invalid":
      return [update("acme_authorizations", { authzId: decoded.data.authzId }, { status: "invalid", updatedAt: at })];
    case "acme.authorization.deactivated":
      return [update("acme_authorizations", { authzId: decoded.data.authzId }, { status: "deactivated", updatedAt: at })];
    case "acme.order.ready":
      return [update("acme_orders", orderKey(event), { status: "ready", updatedAt: at })];
    case "acme.order.finalizing":
      return [update("acme_orders", orderKey(event), { status: "processing", updatedAt: at })];
    case "acme.order.submitting":
    case "acme.order.pending-at-authority":
      return [update("acme_orders", orderKey(event), { updatedAt: at })];
    case "acme.certificate.issued": {
      const d = decoded.data;
      const { orderId } = orderKey(event);
      const certificate: CertificateRow = {
        certificateId: d.certificateId,
        orderId,
        accountId: d.accountId,
        authority: d.authority,
        serial: d.serial,
        aki: d.aki,
        identifiers: canonicalJson(d.identifiers),
        identifiersHash: d.identifiersHash,
        notBefore: Date.parse(d.notBefore),
        notAfter: Date.parse(d.notAfter),
        chainPem: d.chainPem,
        spkiSha256: d.spkiSha256,
        status: "valid",
        revokedAt: null,
        revocationReason: null,
        createdAt: at,
      };
      return [{ kind: "insert", table: "acme_certificates", row: { ...certificate } }];
    }
    case "acme.order.valid":
      return [update("acme_orders", orderKey(event), { status: "valid", certificateId: decoded.data.certificateId, updatedAt: at })];
    case "acme.order.invalid":
      return [update("acme_orders", orderKey(event), { status: "invalid", error: canonicalJson(decoded.data.error), updatedAt: at })];
    case "acme.certificate.revoked":
      return [
        update("acme_certificates", { certificateId: decoded.data.certificateId }, { status: "revoked", revokedAt: at, revocationReason: decoded.data.reason }),
      ];
    default:
      return [];
  }
}

export const ordersProjection: TableProjection = rowProjection(
  "acme_orders",
  ["acme_orders", "acme_authorizations", "acme_challenges", "acme_certificates"],
  orderChanges,
);
