/** `GET /acme/directory` (RFC 8555 §7.1.1): the one URL an ACME client is configured with. */
import { Hono } from "hono";
import { acmePaths, renewalInfoPath } from "../acme-paths.js";
import type { AcmeEnv } from "../env.js";

/** RFC 8555 §7.1.1 `meta`, from the `acme` config section. */
export interface DirectoryMeta {
  readonly termsOfService: string | null;
  readonly website: string | null;
  readonly caaIdentities: readonly string[];
  /** RFC 8555 §7.3.4 */
  readonly externalAccountRequired: boolean;
  /** draft-ietf-acme-profiles: profile name → description */
  readonly profiles: Readonly<Record<string, string>>;
}

export const NO_DIRECTORY_META: DirectoryMeta = {
  termsOfService: null,
  website: null,
  caaIdentities: [],
  externalAccountRequired: false,
  profiles: {},
};

export interface AcmeDirectory {
  readonly newNonce: string;
  readonly newAccount: string;
  readonly newOrder: string;
  readonly revokeCert: string;
  readonly keyChange: string;
  /** RFC 9773 §3 */
  readonly renewalInfo: string;
  readonly meta: {
    readonly termsOfService?: string;
    readonly website?: string;
    readonly caaIdentities?: readonly string[];
    readonly externalAccountRequired: boolean;
    readonly profiles?: Readonly<Record<string, string>>;
  };
}

/** Builds the directory object for one external base URL (no trailing slash). */
export function buildDirectory(base: string, meta: DirectoryMeta): AcmeDirectory {
  return {
    newNonce: base + acmePaths.newNonce,
    newAccount: base + acmePaths.newAccount,
    newOrder: base + acmePaths.newOrder,
    revokeCert: base + acmePaths.revokeCert,
    keyChange: base + acmePaths.keyChange,
    renewalInfo: base + renewalInfoPath,
    meta: {
      ...(meta.termsOfService ? { termsOfService: meta.termsOfService } : {}),
      ...(meta.website ? { website: meta.website } : {}),
      ...(meta.caaIdentities.length > 0 ? { caaIdentities: meta.caaIdentities } : {}),
      externalAccountRequired: meta.externalAccountRequired,
      ...(Object.keys(meta.profiles).length > 0 ? { profiles: meta.profiles } : {}),
    },
  };
}

export function directoryRoutes(meta: DirectoryMeta): Hono<AcmeEnv> {
  const routes = new Hono<AcmeEnv>();
  routes.get(acmePaths.directory, (c) => c.json(buildDirectory(c.get("externalBaseUrl").base, meta)));
  return routes;
}
