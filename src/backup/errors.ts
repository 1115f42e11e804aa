/** Why a backup was not made or cannot be read; written for the operator, nothing was changed. */
export class BackupRefused extends Error {
  override readonly name = "BackupRefused";
}
