/**
 * `<dir>/revoked.json`: the embedded CA's revocation list, the source its CRL is built from.
 * The event log holds the ACME revocations; this file is the CA's own copy, as ADCS keeps its
 * own database, so the CRL can be rebuilt at boot without reading the log.
 */
import { readFile } from "node:fs/promises";
import { z } from "zod";
import { replaceFileDurably } from "./durable-file.js";
import { LocalAuthorityError } from "./errors.js";

export const REVOCATION_FILE = "revoked.json";
const FORMAT = "certeasy-local-ca-revocations/1";

export interface Revocation {
  /** canonical serial hex (see canonicalSerialHex) */
  readonly serialHex: string;
  /** RFC 5280 §5.3.1 CRLReason */
  readonly reasonCode: number;
  readonly revokedAt: Date;
}

export interface RevocationState {
  /** in the order they were revoked */
  readonly revocations: readonly Revocation[];
  /** the highest CRL number published so far (RFC 5280 §5.2.3 requires it to increase) */
  readonly lastCrlNumber: bigint;
}

const fileSchema = z.object({
  format: z.literal(FORMAT),
  lastCrlNumber: z.string().regex(/^[0-9]{1,48}$/),
  revoked: z.array(
    z.object({
      serial: z.string().regex(/^[0-9a-f]{2,42}$/),
      reason: z.number().int().min(0).max(10),
      revokedAt: z.iso.datetime(),
    }),
  ),
});

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
    parsed = fileSchema.parse(JSON.parse(text));
  } catch (err) {
    // Starting with an empty list would un-revoke certificates: refuse and name the file.
    throw new LocalAuthorityError(`${path} is not a valid Certeasy revocation list; restore it from backup`, { cause: err });
  }
  return {
    lastCrlNumber: BigInt(parsed.lastCrlNumber),
    revocations: parsed.revoked.map((entry) => ({
      serialHex: entry.serial,
      reasonCode: entry.reason,
      revokedAt: new Date(entry.revokedAt),
    })),
  };
}

export async function writeRevocationFile(path: string, state: RevocationState): Promise<void> {
  const file: z.infer<typeof fileSchema> = {
    format: FORMAT,
    lastCrlNumber: state.lastCrlNumber.toString(),
    revoked: state.revocations.map((entry) => ({
      serial: entry.serialHex,
      reason: entry.reasonCode,
      revokedAt: entry.revokedAt.toISOString(),
    })),
  };
  await replaceFileDurably(path, `${JSON.stringify(file, null, 1)}\n`, 0o600);
}
