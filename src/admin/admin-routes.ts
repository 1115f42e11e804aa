/**
 * The admin channel's JSON routes. They serve the local operator only: the channel is a unix
 * socket whose file mode (0600, in the 0700 workdir) is the authentication, so there are no
 * credentials here. Refusals carry the operator-facing sentence of the error; an unexpected
 * failure is logged and answered without detail.
 *
 *   POST /eab/keys              {allowedNames?, allowedProfiles?, note?} → 201 {key, hmacKey}
 *   GET  /eab/keys              → 200 {keys}
 *   POST /eab/keys/:id/revoke   → 200 {key, alreadyRevoked}
 *   POST /license               {text, force?} → 201 InstalledLicenseSummary, 422 {error, reason} when refused
 *   GET  /license               → 200 LicenseStatus
 */
import { Hono, type Context } from "hono";
import type { Logger } from "pino";
import { z } from "zod";
import { EabKeyNotFoundError, EabRequestError, type EabRequestMeta } from "../acme/eab/index.js";
import { LicenseRejectedError } from "../license/index.js";
import type { EabAdmin } from "./eab-admin.js";
import type { LicenseAdmin } from "./license-admin.js";

/** An operator's request is small; anything bigger is not one. */
const MAX_BODY_BYTES = 64 * 1024;
/** Who ran the command, as the CLI reports it; recorded in the events' meta. */
export const OPERATOR_HEADER = "x-certeasy-operator";

const createKeyBody = z.strictObject({
  allowedNames: z.array(z.string()).default([]),
  allowedProfiles: z.array(z.string()).default([]),
  note: z.string().nullable().default(null),
});

/** A license file is a few hundred bytes; the whole body stays under MAX_BODY_BYTES. */
const installLicenseBody = z.strictObject({ text: z.string().min(1), force: z.boolean().default(false) });

export interface AdminOperations {
  readonly eab: EabAdmin;
  /** absent on a node without licensing (tests of the EAB channel alone) */
  readonly license?: LicenseAdmin;
}

export function adminRoutes({ eab, license }: AdminOperations, log: Logger): Hono {
  const app = new Hono();

  app.post("/eab/keys", async (c) => {
    const body = createKeyBody.safeParse(await jsonBody(c));
    if (!body.success) return c.json({ error: "the body must be {allowedNames?: string[], allowedProfiles?: string[], note?: string}" }, 400);
    return c.json(await eab.createKey(body.data, operatorMeta(c)), 201);
  });

  app.get("/eab/keys", async (c) => c.json({ keys: await eab.listKeys() }));

  app.post("/eab/keys/:keyId/revoke", async (c) => c.json(await eab.revokeKey(c.req.param("keyId"), operatorMeta(c))));

  if (license) {
    app.post("/license", async (c) => {
      const body = installLicenseBody.safeParse(await jsonBody(c));
      if (!body.success) return c.json({ error: "the body must be {text: string, force?: boolean}" }, 400);
      return c.json(await license.install(body.data, operatorMeta(c)), 201);
    });
    app.get("/license", async (c) => c.json(await license.status()));
  }

  app.notFound((c) => c.json({ error: `no admin route ${c.req.method} ${c.req.path}` }, 404));

  app.onError((error, c) => {
    if (error instanceof EabKeyNotFoundError) return c.json({ error: error.message }, 404);
    if (error instanceof LicenseRejectedError) return c.json({ error: error.message, reason: error.reason }, 422);
    if (error instanceof EabRequestError || error instanceof BadBodyError) return c.json({ error: error.message }, 400);
    log.error({ err: error, method: c.req.method, path: c.req.path }, "admin request failed");
    return c.json({ error: `the server could not do it (${error.name}); its log has the details` }, 500);
  });
  return app;
}

class BadBodyError extends Error {
  override readonly name = "BadBodyError";
}

async function jsonBody(c: Context): Promise<unknown> {
  const text = await c.req.text();
  if (Buffer.byteLength(text) > MAX_BODY_BYTES) throw new BadBodyError(`the request body is larger than ${MAX_BODY_BYTES} bytes`);
  if (text === "") return {};
  try {
    return JSON.parse(text);
  } catch {
    throw new BadBodyError("the request body is not JSON");
  }
}

function operatorMeta(c: Context): EabRequestMeta {
  const operator = c.req.header(OPERATOR_HEADER)?.replace(/[^\w.@-]/g, "").slice(0, 64);
  return { actor: `operator:${operator || "unknown"}` };
}
