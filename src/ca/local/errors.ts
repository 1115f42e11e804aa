/** The embedded CA cannot start or was misused: the message names the file or value at fault. */
export class LocalAuthorityError extends Error {
  override readonly name = "LocalAuthorityError";
}
