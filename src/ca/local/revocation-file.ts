/**
 * `<dir>/revoked.json`: the snapshot of the embedded CA's revocation list, the source its CRL is
 * built from together with the journal beside it (revocation-journal.ts). The event log holds
 * the ACME revocations; these files are the CA's own copy, as ADCS keeps its own database, so
 * the CRL can be rebuilt at boot without reading the log.
 *
 * The snapshot is only ever replaced whole (temp file, fsync, rename) and only by compaction
 * (revocation-store.ts): at every start and when the journal has grown as long as the list. A
 * revocation itself appends one journal line, so recording it costs the same with 10 or 100,000
 * entries on the list.
 *
 * Format 2 adds each certificate's notAfter (for RFC 5280 §3.3 pruning) and means "read the
 * journal too". Format 3 adds `crlShards`, the number of CRL shards the CA's certificates are
 * spread over (crl-partition.ts), recorded once and kept. Formats 1 and 2 from earlier versions
 * still open (and are written back as format 3 at the next start). An earlier version refuses a
 * newer format instead of starting without what it adds: without the journal's revocations
 * (format 1 readers), or serving only the legacy CRL while certificates name shards it does not
 * publish (format 2 readers) — a downgrade needs the snapshot restored from before the upgrade.
 */
import { readFile } from "node:fs/promises";
import { z } from "zod";
import { replaceFileDurably } from "./durable-file.js";
import { MAX_CRL_SHARDS, isValidShardCount } from "./crl-partition.js";
import { LocalAuthorityError } from "./errors.js";

export const REVOCATION_FILE = "revoked.json";
const FORMAT_1 = "certeasy-local-ca-revocations/1";
const FORMAT_2 = "certeasy-local-ca-revocations/2";
const FORMAT_3 = "certeasy-local-ca-revocations/3";

export interface Revocation {
  /** canonical serial hex (see canonicalSerialHex) */
  readonly serialHex: string;
  /** RFC 5280 §5.3.1 CRLReason */
  readonly reasonCode: number;
  readonly revokedAt: Date;
  /** the certificate's notAfter, when the caller knew it: the entry may then be pruned (§3.3) */
  readonly notAfter?: Date | undefined;
}

export interface RevocationState {
  /** in the order they were revoked, one per serial */
  readonly revocations: readonly Revocation[];
  /** the highest CRL number published so far (RFC 5280 §5.2.3 requires it to increase) */
  readonly lastCrlNumber: bigint;
  /** the CRL shard count recorded with the CA; undefined in files from before partitioning */
  readonly crlShards?: number | undefined;
}

/** What a running CA writes: its shard count is always known. */
export interface RecordedRevocationState extends RevocationState {
  readonly crlShards: number;
}

/** The fields of one revocation as both files write them. */
export const revocationRecordShape = {
  serial: z.string().regex(/^[0-9a-f]{2,42}$/),
  reason: z.number().int().min(0).max(10),
  revokedAt: z.iso.datetime(),
  notAfter: z.iso.datetime().optional(),
};
export const crlNumberText = z.string().regex(/^[0-9]{1,48}$/);

const fileSchema = z.object({
  format: z.union([z.literal(FORMAT_1), z.literal(FORMAT_2), z.literal(FORMAT_3)]),
  lastCrlNumber: crlNumberText,
  crlShards: z.number().int().min(1).max(MAX_CRL_SHARDS).refine(isValidShardCount, "a power of two").optional(),
  revoked: z.array(z.object(revocationRecordShape)),
});
const checkedFileSchema = fileSchema.refine((file) => (file.format === FORMAT_3) === (file.crlShards !== undefined), {
  message: "crlShards is required in format 3 and unknown before it",
  path: ["crlShards"],
});
type RevocationRecord = z.infer<z.ZodObject<typeof revocationRecordShape>>;

export const EMPTY_REVOCATION_STATE: RevocationState = { revocations: [], lastCrlNumber: 0n };

export async function readRevocationFile(path: string): Promise<RevocationState> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return EMPTY_REVOCATION_STATE;
    throw err;
  }
  let parsed: z.infer<typeof fileSchema>;
  try {
    parsed = checkedFileSchema.parse(JSON.parse(text));
  } catch (err) {
    // Starting with an empty list would un-revoke certificates: refuse and name the file.
    throw new LocalAuthorityError(`${path} is not a valid Certeasy revocation list; restore it from backup`, { cause: err });
  }
  return {
    lastCrlNumber: BigInt(parsed.lastCrlNumber),
    revocations: parsed.revoked.map(revocationOfRecord),
    ...(parsed.crlShards === undefined ? {} : { crlShards: parsed.crlShards }),
  };
}

export async function writeRevocationFile(path: string, state: RecordedRevocationState): Promise<void> {
  const file: z.infer<typeof fileSchema> = {
    format: FORMAT_3,
    lastCrlNumber: state.lastCrlNumber.toString(),
    crlShards: state.crlShards,
    revoked: state.revocations.map(recordOfRevocation),
  };
  await replaceFileDurably(path, `${JSON.stringify(file, null, 1)}\n`, 0o600);
}

export function revocationOfRecord(record: RevocationRecord): Revocation {
  return {
    serialHex: record.serial,
    reasonCode: record.reason,
    revokedAt: new Date(record.revokedAt),
    ...(record.notAfter === undefined ? {} : { notAfter: new Date(record.notAfter) }),
  };
}

export function recordOfRevocation(revocation: Revocation): RevocationRecord {
  return {
    serial: revocation.serialHex,
    reason: revocation.reasonCode,
    revokedAt: revocation.revokedAt.toISOString(),
    ...(revocation.notAfter === undefined ? {} : { notAfter: revocation.notAfter.toISOString() }),
  };
}
