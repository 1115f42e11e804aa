/** The Hono environment shared by every Certeasy route. */
import type { ExternalBaseUrl } from "./external-base-url.js";

export interface AcmeEnv {
  Variables: {
    /** The configured `server.url` this request was addressed to; all links are built from it. */
    externalBaseUrl: ExternalBaseUrl;
  };
}
