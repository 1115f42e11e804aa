/** Why `events recover` put nothing back; the message is written for the operator. */
export class RecoveryRefused extends Error {
  override readonly name = "RecoveryRefused";
}
