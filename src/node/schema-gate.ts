/**
 * The schema gate at boot (reference §6 "Startup gate"): apply pending additive migrations, or
 * with `noddl` only check that none are pending. A database newer than this build is refused
 * by the migrator itself.
 */
import type { Logger } from "pino";
import type { EventStoreDialect } from "../store/dialect.js";

export class SchemaNotCurrentError extends Error {
  override readonly name = "SchemaNotCurrentError";
}

export async function prepareSchema(dialect: EventStoreDialect, noddl: boolean, log: Logger): Promise<void> {
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
