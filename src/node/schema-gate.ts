/**
 * The schema gate at boot (reference §6 "Startup gate"): apply pending additive migrations, or
 * with `noddl` only check that none are pending. A database newer than this build is refused
 * by the migrator itself. An interrupted `projections rebuild` also keeps the node from starting.
 */
import type { Logger } from "pino";
import type { EventStoreDialect } from "../store/dialect.js";

export class SchemaNotCurrentError extends Error {
  override readonly name = "SchemaNotCurrentError";
}

/** A `projections rebuild` was interrupted: the tables are incomplete until it is finished. */
export class ProjectionRebuildPendingError extends Error {
  override readonly name = "ProjectionRebuildPendingError";
}

export async function prepareSchema(dialect: EventStoreDialect, noddl: boolean, log: Logger): Promise<void> {
  await currentSchema(dialect, noddl, log);
  // Serving from half-rebuilt tables would answer "not found" for orders that exist, and the
  // inline projection would write onto them: finish the rebuild first.
  const checkpoint = await dialect.readRebuildCheckpoint();
  if (checkpoint) {
    throw new ProjectionRebuildPendingError(
      `a projections rebuild started ${new Date(checkpoint.startedAt).toISOString()} was interrupted at log position ` +
        `${checkpoint.position}: the projection tables are incomplete. Finish it with \`certeasy projections rebuild\` (it resumes there), then start again`,
    );
  }
}

async function currentSchema(dialect: EventStoreDialect, noddl: boolean, log: Logger): Promise<void> {
  if (!noddl) {
    const status = await dialect.migrate();
    log.info({ applied: status.applied.length, known: status.known.length }, "database schema is current");
    return;
  }
  const status = await dialect.migrationStatus();
  if (status.pending.length > 0) {
    throw new SchemaNotCurrentError(
      `database.noddl is set and ${status.pending.length} migration(s) are pending (${status.pending.join(", ")}); ` +
        "have a DBA run the script from `certeasy migrate --sql`, then start again",
    );
  }
}
