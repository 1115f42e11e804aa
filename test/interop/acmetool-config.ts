/**
 * What the run hands acmetool (0.2.2) and reads back from it, without running it: the response
 * file that answers its quickstart questions in `--batch` mode, its target files (YAML; each is
 * written as JSON, which YAML reads as is), and what `acmetool account-thumbprint` prints.
 */
import type { ExpectedKey } from "./certificates.js";

export interface QuickstartAnswers {
  readonly directoryUrl: string;
  /** the folder acmetool writes http-01 answers to; it wants it to end in /.well-known/acme-challenge */
  readonly webrootPath: string;
  readonly email: string;
  readonly key: ExpectedKey;
}

/** acmetool's names for a key: `request.key` of a target file, and the quickstart's key questions. */
export interface AcmetoolKey {
  readonly type: "ecdsa" | "rsa";
  readonly "ecdsa-curve"?: "nistp256" | "nistp384";
  readonly "rsa-size"?: number;
}

export function acmetoolKey(key: ExpectedKey): AcmetoolKey {
  if (key.type === "ed25519") throw new Error("acmetool 0.2.2 makes RSA and ECDSA keys only");
  return key.type === "rsa" ? { type: "rsa", "rsa-size": key.bits } : { type: "ecdsa", "ecdsa-curve": key.curve === "prime256v1" ? "nistp256" : "nistp384" };
}

/**
 * The `--response-file` of a batch quickstart, keyed by the questions' UniqueIDs: Certeasy's
 * directory (an URL of one's own, not one of the servers acmetool lists), the key, webroot
 * mode, the contact; no cron job and no combined-PEM hook, which would be written outside the
 * state folder.
 */
export function quickstartResponses(answers: QuickstartAnswers): string {
  const key = acmetoolKey(answers.key);
  const responses: Record<string, string | number | boolean> = {
    "acmetool-quickstart-choose-server": "url",
    "acmetool-quickstart-enter-directory-url": answers.directoryUrl,
    "acmetool-quickstart-key-type": key.type,
    ...(key["ecdsa-curve"] === undefined ? {} : { "acmetool-quickstart-ecdsa-curve": key["ecdsa-curve"] }),
    ...(key["rsa-size"] === undefined ? {} : { "acmetool-quickstart-rsa-key-size": String(key["rsa-size"]) }),
    "acmetool-quickstart-choose-method": "webroot",
    "acmetool-quickstart-webroot-path": answers.webrootPath,
    "acmetool-quickstart-install-cronjob": false,
    "acmetool-quickstart-install-haproxy-script": false,
    "acme-enter-email": answers.email,
  };
  return `${JSON.stringify(responses, null, 2)}\n`;
}

export interface TargetOptions {
  readonly names: readonly string[];
  readonly key: ExpectedKey;
  /** only a certificate for a key of this type satisfies the target (acmetool re-requests otherwise) */
  readonly satisfyKeyType?: AcmetoolKey["type"];
  /** RFC 7633's TLS Feature extension (status_request) in the CSR */
  readonly ocspMustStaple?: boolean;
}

/**
 * A file of acmetool's `desired/` folder: one certificate for `names`. Its http-01 self-test is
 * off: it would fetch http://<name>/.well-known/acme-challenge/<token> on port 80 through the
 * machine's resolver, while the run's names resolve only through the validator's DNS server
 * and its webroot answers on the validator's http-01 port.
 */
export function targetFile(options: TargetOptions): string {
  const target = {
    satisfy: { names: options.names, ...(options.satisfyKeyType === undefined ? {} : { key: { type: options.satisfyKeyType } }) },
    request: {
      key: acmetoolKey(options.key),
      ...(options.ocspMustStaple === true ? { "ocsp-must-staple": true } : {}),
      challenge: { "http-self-test": false },
    },
  };
  return `${JSON.stringify(target, null, 2)}\n`;
}

export interface AccountThumbprint {
  /** RFC 7638 thumbprint of the account key, base64url */
  readonly thumbprint: string;
  /** acmetool's account ID: `<escaped directory host and path>/<key ID>` */
  readonly accountId: string;
}

/** `acmetool account-thumbprint`: one `<thumbprint>\t<account ID>` line per account. */
export function parseAccountThumbprints(stdout: string): AccountThumbprint[] {
  return stdout.split("\n").flatMap((line): AccountThumbprint[] => {
    const match = /^([A-Za-z0-9_-]{43})\t(\S+)$/.exec(line.trim());
    return match === null ? [] : [{ thumbprint: match[1] ?? "", accountId: match[2] ?? "" }];
  });
}

/** The names `live-updated` reported, in the order of their lines, each once. */
export function liveUpdatedNames(log: string): string[] {
  return [...new Set(log.split("\n").map((line) => line.trim()).filter((line) => line !== ""))];
}
