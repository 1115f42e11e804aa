/**
 * Mode `files` (reference §9): a PEM chain and key the operator maintains (another ACME client,
 * a manual renewal), reloaded when either file changes. A pair that cannot serve — unreadable,
 * or a key that is not the certificate's — refuses start-up, and once running keeps the previous
 * certificate in place (the error is logged once per change, not at every check). A certificate
 * that does not name every host is served, with a warning: the operator may know better (a
 * name a proxy rewrites), and refusing would take the listener down for a name.
 */
import { readFile } from "node:fs/promises";
import type { Logger } from "pino";
import { inspectCredentials, uncoveredHosts, type ServerCredentials } from "../server-credentials.js";
import type { CertificateSource } from "./certificate-source.js";

export interface FilesSourceOptions {
  readonly bundle: string;
  readonly certFile: string;
  readonly keyFile: string;
  readonly hosts: readonly string[];
  readonly log: Logger;
}

export function filesSource(options: FilesSourceOptions): CertificateSource {
  const { bundle, certFile, keyFile, log } = options;
  /** the file contents last looked at, loaded or refused: unchanged files are not re-checked */
  let seen = "";

  const load = async (): Promise<ServerCredentials | undefined> => {
    const [chain, key] = await Promise.all([readFile(certFile, "utf8"), readFile(keyFile, "utf8")]);
    const contents = `${chain}\u0000${key}`;
    if (contents === seen) return undefined;
    seen = contents;
    let credentials: ServerCredentials;
    try {
      credentials = inspectCredentials(chain, key);
    } catch (error) {
      throw new Error(`bundle ${bundle}: ${certFile} and ${keyFile}: ${(error as Error).message}`, { cause: error });
    }
    const missing = uncoveredHosts(credentials, options.hosts);
    if (missing.length > 0) {
      log.warn({ bundle, certFile, hosts: missing }, "the certificate file does not cover every host of its bundle: clients asking for these names will refuse it");
    }
    return credentials;
  };

  return {
    async initial() {
      const credentials = await load();
      // `seen` starts empty, so the first load always returns the pair or throws.
      if (!credentials) throw new Error(`bundle ${bundle}: no certificate loaded from ${certFile}`);
      return credentials;
    },
    refresh: () => load(),
    close: async () => undefined,
  };
}
