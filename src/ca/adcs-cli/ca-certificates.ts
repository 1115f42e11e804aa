/**
 * The CA certificates that complete a chain when certreq's PKCS#7 bundle does not (adcs.md §7.4).
 * certreq is asked for the bundle on every submit and retrieve, which carries the exact issuer
 * of that leaf even across CA renewals; this is the fallback for when it comes back without the
 * issuer: `certutil -config <ca> -ca.cert <file>` (the CA's current certificate), fetched once
 * and kept. It is fetched again only when a leaf's issuer is still missing and the last fetch is
 * more than ten minutes old, so a CA that never answers does not add a certutil run to every
 * issuance.
 */
import { readFile } from "node:fs/promises";
import type { Logger as PinoLogger } from "pino";
import { certificatesInFile } from "./certificate-files.js";
import { classifyCertutil } from "./certutil-output.js";
import { runCommand } from "./run-command.js";
import { openScratchDir } from "./scratch-dir.js";

const REFETCH_AFTER_MS = 10 * 60_000;

export interface CaCertificateSource {
  readonly known: () => readonly Uint8Array[];
  /** fetches again (unless fetched recently); resolves to the certificates now known */
  readonly refresh: () => Promise<readonly Uint8Array[]>;
}

export interface CaCertificateSourceOptions {
  readonly caName: string;
  readonly certutilPath: string;
  readonly workdir: string;
  readonly timeoutMs: number;
  readonly now: () => Date;
  readonly log?: PinoLogger | undefined;
}

export function caCertificateSource(options: CaCertificateSourceOptions): CaCertificateSource {
  return caCertificateCache(async (known) => {
    const scratch = await openScratchDir(options.workdir, "ca-cert");
    try {
      const file = scratch.file(".cer");
      const run = await runCommand(options.certutilPath, ["-config", options.caName, "-ca.cert", file], {
        timeoutMs: options.timeoutMs,
        cwd: scratch.path,
      });
      if (run.kind !== "exited") {
        options.log?.warn({ caName: options.caName, run: run.kind }, "certutil -ca.cert did not complete; chains stay without the CA certificate");
        return known;
      }
      const verdict = classifyCertutil("ca.cert", run);
      const found = verdict.ok ? certificatesInFile(await readFile(file).catch(() => Buffer.alloc(0))) : [];
      if (found.length === 0) {
        options.log?.warn({ caName: options.caName, detail: verdict.detail }, "certutil -ca.cert returned no certificate");
        return known;
      }
      return [...found, ...known];
    } finally {
      await scratch.remove();
    }
  }, options.now);
}

/**
 * The caching shared by the ADCS connectors: `fetch` receives what is known and resolves to what
 * is known afterwards; it runs at most once at a time, and again only after REFETCH_AFTER_MS.
 */
export function caCertificateCache(fetch: (known: readonly Uint8Array[]) => Promise<readonly Uint8Array[]>, now: () => Date): CaCertificateSource {
  let certificates: readonly Uint8Array[] = [];
  let fetchedAt: number | undefined;
  let fetching: Promise<readonly Uint8Array[]> | undefined;
  return {
    known: () => certificates,
    refresh: () => {
      if (fetching) return fetching;
      if (fetchedAt !== undefined && now().getTime() - fetchedAt < REFETCH_AFTER_MS) return Promise.resolve(certificates);
      fetchedAt = now().getTime();
      fetching = fetch(certificates)
        .then((found) => {
          certificates = found;
          return found;
        })
        .finally(() => {
          fetching = undefined;
        });
      return fetching;
    },
  };
}
