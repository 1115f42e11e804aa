/** One log line per request: method, path, status, duration, client address and request id. */
import type { Context } from "hono";
import type { Logger } from "pino";
import type { AcmeEnv } from "../env.js";

export function requestLog(log: Logger): (c: Context<AcmeEnv>, ms: number) => void {
  return (c, ms) => {
    // Production runs at warn: skip building the line's object when pino would drop it.
    if (!log.isLevelEnabled("info")) return;
    log.info({ method: c.req.method, path: c.req.path, status: c.res.status, ms: Math.round(ms * 10) / 10, clientIp: c.get("clientIp"), requestId: c.get("requestId") }, "request");
  };
}
