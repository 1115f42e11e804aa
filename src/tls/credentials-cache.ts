/**
 * The on-disk cache of one bundle's certificate (`<dir>/<bundle>-chain.pem`, `<dir>/<bundle>.key`,
 * both 0600): each node keeps its own (reference §9), so a restart serves the same certificate
 * instead of asking the CA again. The implicit bundle is named `server`, which keeps the file
 * names of earlier versions. A cache is only a cache: anything unreadable counts as empty.
 */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { ensurePrivateDirectory, replaceFile } from "../ca/local/bootstrap-keys.js";
import { inspectCredentials, type ServerCredentials } from "./server-credentials.js";

export interface CredentialsCache {
  read(): Promise<ServerCredentials | undefined>;
  write(certChainPem: string, keyPem: string): Promise<ServerCredentials>;
}

export function credentialsCache(dir: string, bundleName: string): CredentialsCache {
  const chainPath = join(dir, `${bundleName}-chain.pem`);
  const keyPath = join(dir, `${bundleName}.key`);
  return {
    async read() {
      try {
        const [chain, key] = await Promise.all([readFile(chainPath, "utf8"), readFile(keyPath, "utf8")]);
        return inspectCredentials(chain, key);
      } catch {
        return undefined;
      }
    },
    async write(certChainPem, keyPem) {
      const credentials = inspectCredentials(certChainPem, keyPem);
      await ensurePrivateDirectory(dir);
      // Key before chain: a crash in between leaves a mismatched pair, which reads as empty.
      await replaceFile(keyPath, keyPem, 0o600);
      await replaceFile(chainPath, certChainPem, 0o600);
      return credentials;
    },
  };
}
