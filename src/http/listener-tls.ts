/**
 * How the listener gets its certificate: fixed PEM credentials (the bootstrap server
 * certificate), or a provider that picks a context per SNI name (the TLS certificate manager's
 * bundles, behaviour reference §9), which may also swap certificates on renewal.
 */
import type { ServerOptions } from "node:https";
import type { SecureContext } from "node:tls";

export interface StaticTlsCredentials {
  /** PEM private key. */
  readonly key: string;
  /** PEM certificate chain, leaf first. */
  readonly cert: string;
}

/** TLS 1.0 and 1.1 are deprecated (RFC 8996). */
export const TLS_MIN_VERSION = "TLSv1.2";

export interface TlsContextProvider {
  /** Used when the client sends no SNI, which is always the case for an IP-literal URL. */
  readonly defaultCredentials: StaticTlsCredentials;
  /**
   * Lets the listener swap the default certificate when the provider replaces it (SNI contexts
   * are looked up per handshake, but the default one is fixed in the server until replaced).
   */
  watchDefaultCredentials?(apply: (credentials: StaticTlsCredentials) => void): void;
  /** The context for a ClientHello's server name; `undefined` falls back to the default. */
  secureContextFor(servername: string): SecureContext | undefined | Promise<SecureContext | undefined>;
}

export type ListenerTls = StaticTlsCredentials | TlsContextProvider;

export function isContextProvider(tls: ListenerTls): tls is TlsContextProvider {
  return "secureContextFor" in tls;
}

export function tlsServerOptions(tls: ListenerTls): ServerOptions {
  const base: ServerOptions = { ALPNProtocols: ["http/1.1"], minVersion: TLS_MIN_VERSION };
  if (!isContextProvider(tls)) return { ...base, key: tls.key, cert: tls.cert };
  return {
    ...base,
    key: tls.defaultCredentials.key,
    cert: tls.defaultCredentials.cert,
    SNICallback: (servername, done) => {
      Promise.resolve()
        .then(() => tls.secureContextFor(servername))
        .then(
          (context) => done(null, context),
          (err: unknown) => done(err instanceof Error ? err : new Error(String(err))),
        );
    },
  };
}
