/**
 * The TLS handshake with the Web Enrollment site alone, trusting what the authority trusts
 * (`ca-bundle`, else the system's CAs) and checking the name as every request does: the first
 * thing `certeasy adcs check` proves, so a wrong CA bundle reads as such and not as a failed login.
 */
import { connect } from "node:tls";
import { isIP } from "node:net";
import { AuthorityUnavailableError } from "../authority.js";
import { type CertsrvClientOptions, transportError } from "./http-client.js";

export interface TlsProbe {
  readonly protocol: string;
  readonly subject: string;
  readonly validTo: string;
}

export function probeTls(options: Pick<CertsrvClientOptions, "baseUrl" | "ca" | "timeoutMs">): Promise<TlsProbe> {
  const { baseUrl } = options;
  const host = baseUrl.hostname.replace(/^\[|\]$/g, "");
  const where = `the TLS handshake with ${baseUrl.host}`;
  return new Promise((resolve, reject) => {
    const socket = connect({
      host,
      port: baseUrl.port === "" ? 443 : Number(baseUrl.port),
      // RFC 6066 §3: no SNI for an address literal.
      ...(isIP(host) === 0 ? { servername: host } : {}),
      ...(options.ca !== undefined ? { ca: options.ca } : {}),
    });
    const timer = setTimeout(() => {
      const timeout = new Error("timed out");
      timeout.name = "TimeoutError";
      socket.destroy(timeout);
    }, options.timeoutMs);
    socket.once("close", () => clearTimeout(timer));
    socket.once("secureConnect", () => {
      const certificate = socket.getPeerCertificate();
      const subject = Object.entries(certificate.subject ?? {})
        .map(([key, value]) => `${key}=${String(value)}`)
        .join(", ");
      resolve({ protocol: socket.getProtocol() ?? "TLS", subject, validTo: certificate.valid_to });
      socket.end();
    });
    socket.once("error", (err) => {
      socket.destroy();
      reject(err instanceof AuthorityUnavailableError ? err : transportError(err, where, options));
    });
  });
}
