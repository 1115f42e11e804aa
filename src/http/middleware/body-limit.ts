/**
 * `server.max-body-bytes`: refuse a request body above the limit before any route parses it.
 * Applies to every method, so the ACME POST routes added later are covered without opting in.
 */
import type { MiddlewareHandler } from "hono";
import { bodyLimit } from "hono/body-limit";
import type { AcmeEnv } from "../env.js";
import { AcmeProblem } from "../problem.js";

export function requestBodyLimit(maxBodyBytes: number): MiddlewareHandler<AcmeEnv> {
  return bodyLimit({
    maxSize: maxBodyBytes,
    onError: () => {
      // RFC 8555 has no dedicated type for this; "malformed" with 413 tells the client what to fix.
      throw new AcmeProblem({
        type: "malformed",
        status: 413,
        detail: `The request body exceeds the server limit of ${maxBodyBytes} bytes.`,
      });
    },
  });
}
