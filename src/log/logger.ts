/**
 * Certeasy's logger (behaviour reference §10.1): pino JSON by default or readable text, written
 * to stderr, stdout or a file, with the configured `tags` on every line and one child logger per
 * registered service at that service's own level.
 */
import { fchmodSync, mkdirSync, openSync } from "node:fs";
import { hostname } from "node:os";
import { dirname } from "node:path";
import { pino } from "pino";
import type { DestinationStream, Level, Logger as PinoLogger } from "pino";
import pinoPretty from "pino-pretty";
import type { LogLevel, LogsConfig } from "../config/types.js";
import type { ServiceName } from "./services.js";

/** A pino logger whose `service(name)` gives the child logger of one Certeasy service. */
export type Logger = PinoLogger & {
  /** the same child for the same name; its level is `logs.services[name]` or `logs.level` */
  readonly service: (name: ServiceName) => PinoLogger;
};

export interface LoggerOptions {
  /** write here instead of `logs.output` — tests capture lines this way */
  readonly destination?: DestinationStream | NodeJS.WritableStream;
}

export class LogFileError extends Error {
  override readonly name = "LogFileError";
  readonly path: string;

  constructor(path: string, cause: unknown) {
    const code = (cause as NodeJS.ErrnoException).code ?? String(cause);
    super(`cannot open log file ${path} (${code})`, { cause });
    this.path = path;
  }
}

const pinoLevel = (level: LogLevel): Level | "silent" => (level === "off" ? "silent" : level);

export function createLogger(logs: LogsConfig, options: LoggerOptions = {}): Logger {
  const root = pino(
    {
      level: pinoLevel(logs.level),
      base: { pid: process.pid, hostname: hostname(), ...logs.tags },
      // ISO 8601 UTC, like every date Certeasy prints (behaviour reference §5).
      timestamp: pino.stdTimeFunctions.isoTime,
      // Level names rather than pino's numbers, so collectors need no mapping table.
      formatters: { level: (label) => ({ level: label }) },
    },
    formatted(logs, options.destination ?? outputStream(logs)),
  );
  const children = new Map<ServiceName, PinoLogger>();
  const service = (name: ServiceName): PinoLogger => {
    let child = children.get(name);
    if (child === undefined) {
      child = root.child({ service: name }, { level: pinoLevel(logs.services[name] ?? logs.level) });
      children.set(name, child);
    }
    return child;
  };
  return Object.assign(root, { service });
}

function formatted(logs: LogsConfig, target: DestinationStream | NodeJS.WritableStream): DestinationStream {
  if (logs.format === "json") return target;
  // pino-pretty as a stream, in this thread (not a worker transport): lines are written in
  // order with the rest of the process, and tests can capture them.
  return pinoPretty({
    destination: target,
    sync: true,
    colorize: logs.output.kind !== "file" && isTerminal(logs.output.kind),
    translateTime: "UTC:yyyy-mm-dd'T'HH:MM:ss.l'Z'",
    ignore: "pid,hostname",
  });
}

function isTerminal(kind: "stderr" | "stdout"): boolean {
  return (kind === "stderr" ? process.stderr : process.stdout).isTTY === true;
}

/**
 * Synchronous writes: the last lines before a crash are the ones that explain it. The cost is
 * small next to issuance, which x509 signing caps at a few hundred per second and core.
 */
function outputStream(logs: LogsConfig): DestinationStream {
  switch (logs.output.kind) {
    case "stderr":
      return pino.destination({ fd: 2, sync: true });
    case "stdout":
      return pino.destination({ fd: 1, sync: true });
    case "file":
      return pino.destination({ fd: openLogFile(logs.output.path), sync: true });
  }
}

/** Files 0600 and new folders 0700 (behaviour reference §10.1): logs name clients and hosts. */
function openLogFile(path: string): number {
  try {
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    const fd = openSync(path, "a", 0o600);
    // open() applies the mode only when it creates the file; tighten one left by an older
    // version or another tool as well.
    fchmodSync(fd, 0o600);
    return fd;
  } catch (error) {
    throw new LogFileError(path, error);
  }
}
