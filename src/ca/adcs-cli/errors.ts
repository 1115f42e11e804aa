/** The `adcs-cli` options are unusable: the message names the config key and what was expected. */
export class AdcsConfigError extends Error {
  override readonly name = "AdcsConfigError";
  /** the option at fault, as `openAdcsCliAuthority` names it (`caName`, `certreqPath`…) */
  readonly field: string;

  constructor(field: string, message: string) {
    super(message);
    this.field = field;
  }
}

/**
 * The caller asked for something the CA cannot be asked (a serial that is not hex, a request id
 * that is not a number, a revocation reason ADCS does not know). A bug in the caller, never
 * retried: transient failures are `AuthorityUnavailableError`.
 */
export class AdcsRequestError extends Error {
  override readonly name = "AdcsRequestError";
}
