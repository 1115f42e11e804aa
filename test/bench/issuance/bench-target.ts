/** What the load generator drives: an ACME server running as a child process. */
import type { AcmeEndpoint } from "./acme-client.js";

export interface BenchTarget {
  /** how the tables name it: "certeasy sqlite", "pebble" */
  readonly label: string;
  readonly endpoint: AcmeEndpoint;
  /** the server process whose CPU is sampled */
  readonly pid: number;
  /**
   * Processes that work for the server without being its children (PostgreSQL backends serving
   * its database), sampled for a separate "database CPU" figure.
   */
  databasePids?(): Promise<readonly number[]>;
  /** its recent output, for error messages */
  output(): string;
  /** Stop the server and remove everything it was given (workdir, database). */
  stop(): Promise<void>;
}

/** The challenge side of the world both servers validate against. */
export interface ChallengeWorld {
  /** `127.0.0.1:<port>` of the bench DNS server, which answers every name with 127.0.0.1 */
  readonly dnsAddress: string;
  /** port of the http-01 responder */
  readonly http01Port: number;
}
