/**
 * What the operator's EAB commands refuse with: sentences written for the operator, carried to
 * the CLI as they are (over the admin channel too, with the status the class implies).
 */
export class EabRequestError extends Error {
  override readonly name = "EabRequestError";
}

export class EabKeyNotFoundError extends Error {
  override readonly name = "EabKeyNotFoundError";
  readonly keyId: string;

  constructor(keyId: string) {
    super(`no EAB key has key id ${JSON.stringify(keyId)} (see \`certeasy eab list\`)`);
    this.keyId = keyId;
  }
}
