/** Why a database cannot be migrated (or used) by this build. Nothing was changed. */
export class MigrationRefused extends Error {
  override readonly name = "MigrationRefused";
  constructor(
    message: string,
    /** the migration (folder name) the refusal is about */
    readonly migration: string,
  ) {
    super(message);
  }
}
