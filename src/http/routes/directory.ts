/** `GET /acme/directory` (RFC 8555 §7.1.1): the one URL an ACME client is configured with. */
import { Hono } from "hono";
import { acmePaths } from "../acme-paths.js";
import type { AcmeEnv } from "../env.js";

export interface AcmeDirectory {
  readonly newNonce: string;
  readonly newAccount: string;
  readonly newOrder: string;
  readonly revokeCert: string;
  readonly keyChange: string;
  readonly meta: {
    /** RFC 8555 §7.3.4: Certeasy does not require an external account binding. */
    readonly externalAccountRequired: boolean;
  };
}

/** Builds the directory object for one external base URL (no trailing slash). */
export function buildDirectory(base: string): AcmeDirectory {
  return {
    newNonce: base + acmePaths.newNonce,
    newAccount: base + acmePaths.newAccount,
    newOrder: base + acmePaths.newOrder,
    revokeCert: base + acmePaths.revokeCert,
    keyChange: base + acmePaths.keyChange,
    meta: { externalAccountRequired: false },
  };
}

export function directoryRoutes(): Hono<AcmeEnv> {
  const routes = new Hono<AcmeEnv>();
  routes.get(acmePaths.directory, (c) => c.json(buildDirectory(c.var.externalBaseUrl.base)));
  return routes;
}
