/**
 * `server.max-body-bytes`: refuse a request body above the limit before any route parses it.
 * Applies to every method, so every route is covered without opting in.
 *
 * A request that states its length (every ACME client does; node's HTTP parser holds the body to
 * it) is judged on the Content-Length header alone. Only a body of unstated length (chunked, or
 * a Request built in process) goes through Hono's bodyLimit, which reads and counts it: touching
 * the body that way makes @hono/node-server build a WHATWG Request and stream for the request,
 * which cost more than the rest of the guard on every request.
 */
import type { Context, MiddlewareHandler } from "hono";
import { bodyLimit } from "hono/body-limit";
import type { AcmeEnv } from "../env.js";
import { AcmeProblem } from "../problem.js";

const DECIMAL = /^[0-9]+$/;

/**
 * The returned check throws the 413 problem when the stated length is over the limit, returns
 * nothing when the headers settle it, and returns the counting guard the route must run inside
 * when only reading the body can tell.
 */
export function requestBodyLimit(maxBodyBytes: number): (c: Context<AcmeEnv>) => MiddlewareHandler<AcmeEnv> | undefined {
  const tooLarge = (): never => {
    // RFC 8555 has no dedicated type for this; "malformed" with 413 tells the client what to fix.
    throw new AcmeProblem({
      type: "malformed",
      status: 413,
      detail: `The request body exceeds the server limit of ${maxBodyBytes} bytes.`,
    });
  };
  const countingLimit = bodyLimit({ maxSize: maxBodyBytes, onError: tooLarge });
  return (c) => {
    const length = c.req.header("content-length");
    const chunked = c.req.header("transfer-encoding") !== undefined;
    if (length !== undefined && !chunked && DECIMAL.test(length)) {
      if (Number(length) > maxBodyBytes) tooLarge();
      return undefined;
    }
    // Without Content-Length or Transfer-Encoding an HTTP/1.1 request has no body (RFC 9112
    // §6.3), and a WHATWG Request cannot carry one on GET or HEAD.
    if (!chunked && length === undefined && (c.req.method === "GET" || c.req.method === "HEAD")) return undefined;
    return countingLimit;
  };
}
