/** The revocations (and a reissue, if asked) waiting for one CRL scope's next CRL. */
import type { ListedRevocation } from "./listed-revocations.js";

export interface CrlBatch {
  readonly revocations: Map<string, ListedRevocation>;
  reissue: boolean;
  readonly done: Promise<void>;
  readonly resolve: () => void;
  readonly reject: (err: unknown) => void;
}

export function newCrlBatch(): CrlBatch {
  let resolve: () => void = () => undefined;
  let reject: (err: unknown) => void = () => undefined;
  const done = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  // A reissue nobody awaits must not fail as an unhandled rejection; revoke() callers still see it.
  done.catch(() => undefined);
  return { revocations: new Map(), reissue: false, done, resolve, reject };
}
