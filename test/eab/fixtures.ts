/**
 * EAB test fixtures: a real SQLite event store with the writer and every inline projection, an
 * EabService with its KEK in a temp workdir, the account service wired to it, and a builder of
 * the `externalAccountBinding` JWS an ACME client sends (RFC 8555 §7.3.4) — well-formed by
 * default, each part overridable so a test can break exactly one thing.
 */
import { generateKeyPairSync } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { FlattenedSign, type JWSHeaderParameters } from "jose";
import { tableProjections } from "../../projections/index.js";
import { AccountService, type RegisterRequest } from "../../src/acme/accounts/account-service.js";
import { EabService, KeyEncryptionKeyFile } from "../../src/acme/eab/index.js";
import type { EventStoreDialect } from "../../src/store/dialect.js";
import { openDialect } from "../../src/store/open.js";
import { uuidv4 } from "../../src/store/uuid.js";
import { EventWriter } from "../../src/store/writer.js";
import { accountKey, type AccountKey } from "../domain/account-fixtures.js";

export const NEW_ACCOUNT_URL = "https://acme.corp.example/acme/new-account";

export interface EabStore {
  readonly workdir: string;
  readonly dbPath: string;
  readonly dialect: EventStoreDialect;
  readonly writer: EventWriter;
  readonly eab: EabService;
  readonly accounts: AccountService;
  close(): Promise<void>;
}

export async function openEabStore(options: { externalAccountRequired?: boolean } = {}): Promise<EabStore> {
  const workdir = await mkdtemp(join(tmpdir(), "certeasy-eab-"));
  const dbPath = join(workdir, "db.sqlite");
  const dialect = await openDialect({ driver: "sqlite", path: dbPath });
  await dialect.migrate();
  const writer = new EventWriter({
    dialect,
    serverId: uuidv4(),
    leaseEpoch: null,
    clock: () => new Date(),
    projections: tableProjections,
    mirror: { appendEvents: async () => {} },
  });
  const eab = new EabService({ dialect, writer, kek: new KeyEncryptionKeyFile(workdir) });
  const accounts = new AccountService(
    dialect,
    writer,
    { termsOfServiceRequired: false, externalAccountRequired: options.externalAccountRequired ?? false },
    eab,
  );
  return {
    workdir,
    dbPath,
    dialect,
    writer,
    eab,
    accounts,
    async close() {
      await writer.close();
      await dialect.close();
      await rm(workdir, { recursive: true, force: true });
    },
  };
}

export interface BindingParts {
  /** protected header members; `undefined` removes a member */
  readonly header?: Record<string, unknown>;
  /** what the MAC covers as payload (default: the account's public JWK) */
  readonly payload?: unknown;
  readonly hmacKey: string;
  readonly keyId: string;
  readonly account: AccountKey;
}

/** The `externalAccountBinding` member as a client builds it: HS256 over the account JWK. */
export async function bindingJws(parts: BindingParts): Promise<{ protected: string; payload: string; signature: string }> {
  const header = { alg: "HS256", kid: parts.keyId, url: NEW_ACCOUNT_URL, ...parts.header } as JWSHeaderParameters;
  for (const [name, value] of Object.entries(header)) if (value === undefined) delete header[name];
  const payload = new TextEncoder().encode(JSON.stringify(parts.payload ?? parts.account.jwk));
  const signed = await new FlattenedSign(payload).setProtectedHeader(header).sign(Buffer.from(parts.hmacKey, "base64url"));
  return { protected: signed.protected ?? "", payload: signed.payload, signature: signed.signature };
}

/** A newAccount as the route hands it to the account service. */
export function registration(account: AccountKey, binding?: unknown): RegisterRequest {
  return {
    jwk: account.jwk,
    thumbprint: account.thumbprint,
    contact: [],
    termsOfServiceAgreed: true,
    onlyReturnExisting: false,
    ...(binding === undefined ? {} : { externalAccountBinding: { jws: binding, url: NEW_ACCOUNT_URL } }),
  };
}

export { accountKey, type AccountKey };

/** An RSA key pair, for "the EAB is signed like a request, with RS256". */
export function rsaPrivateKey(): ReturnType<typeof generateKeyPairSync>["privateKey"] {
  return generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey;
}
