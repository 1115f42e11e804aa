/**
 * The TLS certificate manager (reference §9): holds the current certificate of every bundle,
 * answers the listener's SNI callback with the bundle that covers the asked name, and checks
 * the bundles on a timer — files changed, renewal due — swapping a new certificate in for the
 * next handshakes without a restart. A failed check keeps the certificate being served; the
 * error is logged once per distinct message, so a file missing for a while does not flood the log.
 */
import { createSecureContext, type SecureContext } from "node:tls";
import type { Logger } from "pino";
import { TLS_MIN_VERSION, type StaticTlsCredentials, type TlsContextProvider } from "../http/listener-tls.js";
import { classifyHost } from "./server-certificate-hosts.js";
import type { ServerCredentials } from "./server-credentials.js";
import type { CertificateSource } from "./sources/certificate-source.js";

export interface ManagedBundle {
  readonly name: string;
  /** canonical hosts (see classifyHost) */
  readonly hosts: readonly string[];
  readonly source: CertificateSource;
}

export interface TlsCertificateEvents {
  /** the bundle serves a certificate valid until `notAfter` (at start and after every swap) */
  serving(bundle: string, notAfter: Date): void;
  /** a check replaced the certificate (`ok`) or failed to (`failed`) */
  renewal(bundle: string, outcome: "ok" | "failed"): void;
}

export interface TlsCertificateManagerOptions {
  readonly bundles: readonly ManagedBundle[];
  /** the bundle answering handshakes without SNI (clients connecting to an IP address) */
  readonly defaultBundle: string;
  /** how often bundles are checked; 0: never on a timer (tests call `check`) */
  readonly checkIntervalMs: number;
  readonly clock: () => Date;
  readonly log: Logger;
  readonly events?: TlsCertificateEvents;
  /** releases what the sources share (the http-01 listener), after the sources are closed */
  readonly onClose?: () => Promise<void>;
}

interface BundleState {
  readonly bundle: ManagedBundle;
  credentials: ServerCredentials;
  context: SecureContext;
  lastError: string | undefined;
}

const contextOf = (credentials: ServerCredentials): SecureContext =>
  createSecureContext({ key: credentials.keyPem, cert: credentials.certChainPem, minVersion: TLS_MIN_VERSION });

export class TlsCertificateManager implements TlsContextProvider {
  readonly #options: TlsCertificateManagerOptions;
  readonly #states: ReadonlyMap<string, BundleState>;
  readonly #byHost = new Map<string, BundleState>();
  readonly #defaultListeners: ((credentials: StaticTlsCredentials) => void)[] = [];
  #timer: NodeJS.Timeout | undefined;
  #checking: Promise<void> | undefined;

  /** Loads or acquires every bundle's certificate (in parallel); any failure fails start-up. */
  static async start(options: TlsCertificateManagerOptions): Promise<TlsCertificateManager> {
    const now = options.clock();
    const states = await Promise.all(
      options.bundles.map(async (bundle): Promise<BundleState> => {
        const credentials = await bundle.source.initial(now);
        return { bundle, credentials, context: contextOf(credentials), lastError: undefined };
      }),
    );
    return new TlsCertificateManager(options, states);
  }

  private constructor(options: TlsCertificateManagerOptions, states: readonly BundleState[]) {
    this.#options = options;
    this.#states = new Map(states.map((state) => [state.bundle.name, state]));
    if (!this.#states.has(options.defaultBundle)) throw new Error(`no bundle named ${options.defaultBundle} to answer handshakes without SNI`);
    for (const state of states) {
      for (const host of state.bundle.hosts) this.#byHost.set(host, state);
      options.events?.serving(state.bundle.name, state.credentials.notAfter);
    }
    if (options.checkIntervalMs > 0) {
      this.#timer = setInterval(() => void this.check(), options.checkIntervalMs);
      this.#timer.unref();
    }
  }

  get defaultCredentials(): StaticTlsCredentials {
    return this.#credentialsOf(this.#default().credentials);
  }

  watchDefaultCredentials(apply: (credentials: StaticTlsCredentials) => void): void {
    this.#defaultListeners.push(apply);
  }

  /** RFC 6066 §3: the name is a DNS host name; anything no bundle covers gets the default. */
  secureContextFor(servername: string): SecureContext | undefined {
    let host: string;
    try {
      host = classifyHost(servername).value;
    } catch {
      return undefined;
    }
    return this.#byHost.get(host)?.context;
  }

  /** The certificate a bundle serves now. */
  credentials(bundle: string): ServerCredentials | undefined {
    return this.#states.get(bundle)?.credentials;
  }

  /** One pass over every bundle; concurrent calls share the pass in progress. */
  check(): Promise<void> {
    this.#checking ??= this.#checkAll().finally(() => {
      this.#checking = undefined;
    });
    return this.#checking;
  }

  async close(): Promise<void> {
    clearInterval(this.#timer);
    await this.#checking;
    await Promise.all([...this.#states.values()].map((state) => state.bundle.source.close()));
    await this.#options.onClose?.();
  }

  async #checkAll(): Promise<void> {
    const now = this.#options.clock();
    await Promise.all([...this.#states.values()].map((state) => this.#checkBundle(state, now)));
  }

  async #checkBundle(state: BundleState, now: Date): Promise<void> {
    const { log, events } = this.#options;
    const bundle = state.bundle.name;
    let next: ServerCredentials | undefined;
    try {
      next = await state.bundle.source.refresh(state.credentials, now);
    } catch (error) {
      events?.renewal(bundle, "failed");
      const message = error instanceof Error ? error.message : String(error);
      if (message !== state.lastError) {
        log.error({ bundle, err: error, notAfter: state.credentials.notAfter.toISOString() }, "server certificate not replaced; still serving the previous one");
      }
      state.lastError = message;
      return;
    }
    state.lastError = undefined;
    if (!next) return;
    state.credentials = next;
    state.context = contextOf(next);
    events?.renewal(bundle, "ok");
    events?.serving(bundle, next.notAfter);
    log.info({ bundle, notAfter: next.notAfter.toISOString(), fingerprint: next.fingerprint }, "server certificate replaced; new connections use it");
    if (state === this.#default()) {
      for (const apply of this.#defaultListeners) apply(this.#credentialsOf(next));
    }
  }

  #default(): BundleState {
    const state = this.#states.get(this.#options.defaultBundle);
    if (!state) throw new Error(`no bundle named ${this.#options.defaultBundle}`);
    return state;
  }

  #credentialsOf(credentials: ServerCredentials): StaticTlsCredentials {
    return { key: credentials.keyPem, cert: credentials.certChainPem };
  }
}
