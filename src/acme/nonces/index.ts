export { DEFAULT_NONCE_WINDOW_SIZE, NONCE_TTL_MS, NonceService } from "./nonce-service.js";
export type { NonceServiceOptions, NonceVerdict } from "./nonce-service.js";
