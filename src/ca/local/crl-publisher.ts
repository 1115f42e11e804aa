/**
 * The embedded CA's revocation list and the CRL published from it. Every CRL it publishes has
 * first had its number written to revoked.json (temp file, fsync, rename), together with the
 * revocations it lists, so CRL numbers (RFC 5280 §5.2.3) increase for the life of the CA — across
 * restarts and whatever the clock does — and a CRL never lists a revocation that a crash could
 * forget. Writes are serialised: each one starts from the state the previous one left.
 */
import { AuthorityUnavailableError } from "../authority.js";
import type { TbsSigner } from "../x509/signer.js";
import type { IssuingCa } from "./issuing-ca.js";
import { type PublishedCrl, crlIsStale, publishCrl } from "./published-crl.js";
import { type Revocation, type RevocationState, readRevocationFile, writeRevocationFile } from "./revocation-file.js";

export interface CrlPublisherOptions {
  /** `<dir>/revoked.json` */
  readonly path: string;
  readonly issuing: IssuingCa;
  readonly signer: TbsSigner;
  readonly now: () => Date;
}

export interface CrlPublisher {
  /** the current CRL, DER; once it is a day old a fresh one is prepared in the background */
  crlDer(): Uint8Array;
  /**
   * Records the revocation durably, then publishes a CRL that lists it. A serial already on the
   * list keeps its first reason and date. Throws AuthorityUnavailableError if it cannot be written.
   */
  revoke(revocation: Revocation): Promise<void>;
  /** why the last background reissue failed, while it keeps failing */
  reissueFailure(): string | undefined;
}

export async function openCrlPublisher(options: CrlPublisherOptions): Promise<CrlPublisher> {
  const { path, issuing, signer, now } = options;
  let state: RevocationState = await readRevocationFile(path);
  let queue: Promise<unknown> = Promise.resolve();
  let reissuing = false;
  let failure: string | undefined;

  const serialised = <T>(task: () => Promise<T>): Promise<T> => {
    const result = queue.then(task);
    queue = result.catch(() => undefined);
    return result;
  };

  /** Writes the list with the next CRL number, then builds the CRL that carries that number. */
  const publish = async (revocations: readonly Revocation[]): Promise<PublishedCrl> => {
    const at = now();
    const next: RevocationState = { revocations, lastCrlNumber: state.lastCrlNumber + 1n };
    await writeRevocationFile(path, next);
    state = next;
    failure = undefined;
    return publishCrl(issuing, signer, next.revocations, next.lastCrlNumber, at);
  };

  // A fresh CRL at every start: its number is above anything an earlier run published.
  let crl = await publish(state.revocations);

  const reissueInBackground = (): void => {
    reissuing = true;
    void serialised(async () => {
      crl = await publish(state.revocations);
    })
      .catch((err: unknown) => {
        // Kept for health(); the next crlDer() call tries again.
        failure = `the local CA could not reissue its CRL: ${(err as Error).message}`;
      })
      .finally(() => {
        reissuing = false;
      });
  };

  return {
    crlDer() {
      if (!reissuing && crlIsStale(crl, now())) reissueInBackground();
      return crl.der;
    },

    revoke(revocation) {
      return serialised(async () => {
        if (state.revocations.some((entry) => entry.serialHex === revocation.serialHex)) return;
        try {
          crl = await publish([...state.revocations, revocation]);
        } catch (err) {
          throw new AuthorityUnavailableError(`the local CA could not record the revocation in ${path}`, { cause: err });
        }
      });
    },

    reissueFailure: () => failure,
  };
}
