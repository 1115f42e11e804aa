/**
 * How one-shot commands end: a readable message on stderr and an exit code, never a stack trace
 * for a user's mistake (set CERTEASY_DEBUG=1 to see stacks of unexpected failures).
 */
export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;

/** Errors whose message is written for the operator: print it as it is. */
const operatorErrors = new Set([
  "ConfigError",
  "MigrationRefused",
  "AuditForeignServer",
  "AuditTampered",
  "AuditAheadOfDatabase",
  "AuditDivergedFromDatabase",
  "RecoveryRefused",
  "AuditMirrorStopped",
  "NodeIdentityError",
  "StoreUnavailableError",
  "LocalRootCaError",
  "LocalAuthorityError",
  "InvalidServerUrlError",
  "LogFileError",
  "ListenError",
  "UsageError",
  "SchemaNotCurrentError",
  "ProjectionRebuildPendingError",
  "NoDatabaseError",
  "WorkdirLockedError",
  "DatabaseUnreachableError",
  "AuditMirrorError",
  "BackupRefused",
  "ReplayRefused",
  "LeaseHeldError",
  "LeaseLostError",
  "StandbyRefusedError",
  "LicenseKeyError",
]);

export class UsageError extends Error {
  override readonly name = "UsageError";
}

export function describeFailure(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  if (operatorErrors.has(error.name)) return error.message;
  const cause = error.cause instanceof Error ? ` (${error.cause.message})` : "";
  const stack = process.env.CERTEASY_DEBUG ? `\n${error.stack ?? ""}` : "";
  return `unexpected ${error.name}: ${error.message}${cause}${stack}`;
}

/** Wrap a command action: its resolved number is the exit code. */
export function runCommand<A extends unknown[]>(action: (...args: A) => Promise<number>): (...args: A) => Promise<void> {
  return async (...args: A) => {
    try {
      process.exitCode = await action(...args);
    } catch (error) {
      process.stderr.write(`certeasy: ${describeFailure(error)}\n`);
      process.exitCode = error instanceof UsageError ? EXIT_USAGE : EXIT_FAILURE;
    }
  };
}
