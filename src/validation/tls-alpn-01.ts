/**
 * tls-alpn-01 (RFC 8737 §3; RFC 8738 §6 for IP identifiers): a TLS handshake with the
 * identifier's address on the profile's tls-alpn-01 port, SNI set to the name (for an IP, its
 * reverse name), offering only ALPN `acme-tls/1`. The server must pick that protocol and present
 * the self-signed validation certificate. No chain validation: the certificate is self-signed by
 * design; its contents are what prove control.
 */
import { connectToFirst, describeFailures, describeNetworkError, handshakeProblemType } from "./connect.js";
import type { CheckContext } from "./context.js";
import { alpnCertificateProblem } from "./alpn-certificate.js";
import { ipFamily, reverseName } from "./ip.js";
import { invalid, valid } from "./outcome.js";
import { reachableAddresses } from "./reachable.js";
import { handshake } from "./tls-handshake.js";
import type { ChallengeToValidate, ValidationOutcome } from "./types.js";

/** RFC 8737 §6.2: the ALPN protocol ID of the validation handshake. */
export const ACME_TLS_ALPN = "acme-tls/1";

export async function checkTlsAlpn01(challenge: ChallengeToValidate, context: CheckContext): Promise<ValidationOutcome> {
  const { identifier } = challenge;
  const { deadline, profile } = context;
  const port = profile.ports.tlsAlpn01;
  const servername = identifier.type === "ip" ? reverseName(identifier.value) : identifier.value;
  if (servername === undefined) return invalid("rejectedIdentifier", `${identifier.value} is not an IP address`);
  const hostPort = ipFamily(identifier.value) === 6 ? `[${identifier.value}]:${port}` : `${identifier.value}:${port}`;
  const activity = `Connecting to ${hostPort} with TLS ALPN ${ACME_TLS_ALPN} (server name ${servername})`;

  const reachable = await reachableAddresses(identifier.value, context, activity);
  if (!reachable.ok) return reachable.outcome;
  const connection = await connectToFirst(reachable.addresses, port, deadline);
  if (!connection.ok) {
    const last = connection.failures[connection.failures.length - 1]?.address ?? null;
    return invalid("connection", `${activity}${describeFailures(connection.failures, deadline)}`, last);
  }
  const { address } = connection;
  const at = `${activity} at ${address}`;
  let negotiated: string | false;
  let certificate: Uint8Array | undefined;
  try {
    const secure = await handshake(
      connection.socket,
      { servername, ALPNProtocols: [ACME_TLS_ALPN], rejectUnauthorized: false, minVersion: "TLSv1.2" },
      deadline.signal,
    );
    negotiated = secure.alpnProtocol ?? false;
    certificate = secure.getPeerX509Certificate()?.raw;
    // A graceful close lets our last handshake flight and close_notify reach the peer; a destroy
    // here made responders (lego) log a handshake EOF. The timer bounds a peer that never closes.
    secure.end();
    setTimeout(() => secure.destroy(), 1_000).unref();
  } catch (error) {
    return invalid(handshakeProblemType(error), `${at}: ${describeNetworkError(error)}`, address);
  }
  if (negotiated !== ACME_TLS_ALPN) {
    return invalid("incorrectResponse", `${at}: the server did not negotiate the ${ACME_TLS_ALPN} protocol`, address);
  }
  if (certificate === undefined) return invalid("incorrectResponse", `${at}: the server presented no certificate`, address);
  const problem = alpnCertificateProblem(certificate, identifier, challenge.keyAuthorization);
  if (problem !== undefined) return invalid("incorrectResponse", `${at}: ${problem}`, address);
  return valid(address);
}
