/** Request payloads checked with zod; a mismatch is a `malformed` problem naming what was wrong. */
import { z } from "zod";
import { AcmeProblem } from "./problem.js";

export function parsePayload<T>(schema: z.ZodType<T>, payload: unknown): T {
  const parsed = schema.safeParse(payload);
  if (!parsed.success) {
    throw new AcmeProblem({ type: "malformed", status: 400, detail: `The request payload is not valid: ${z.prettifyError(parsed.error)}` });
  }
  return parsed.data;
}
