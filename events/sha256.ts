/**
 * SHA-256 of a UTF-8 string, as lower-case hex. Node's one-shot `crypto.hash` avoids building
 * a Hash object per call, which matters here: every appended event and every audit line is
 * hashed once.
 */
import { hash } from "node:crypto";

export const sha256Hex = (text: string): string => hash("sha256", text, "hex");
