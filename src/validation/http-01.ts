/**
 * http-01 (RFC 8555 §8.3, and RFC 8738 §5 for IP identifiers): GET
 * `http://<identifier>/.well-known/acme-challenge/<token>` on the profile's http-01 port, follow
 * up to 10 redirects, and compare the body — trailing whitespace ignored — with the key
 * authorization. Each hop's host is resolved and checked by the address policy, and the request
 * goes to the checked address itself.
 */
import type { Socket } from "node:net";
import { connectToFirst, describeFailures, describeNetworkError, handshakeProblemType } from "./connect.js";
import type { CheckContext } from "./context.js";
import { BODY_LIMIT, fetchOverSocket, type HttpAnswer } from "./http-fetch.js";
import { hostOf, MAX_REDIRECTS, redirectTarget } from "./http-redirect.js";
import { ipFamily } from "./ip.js";
import { invalid, quote, valid } from "./outcome.js";
import { reachableAddresses } from "./reachable.js";
import { handshake } from "./tls-handshake.js";
import type { ChallengeToValidate, ValidationOutcome } from "./types.js";

const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);
// RFC 8555 §8.3: "The server SHOULD ignore whitespace characters at the end of the body."
const TRAILING_WHITESPACE = /[ \t\r\n\v\f]+$/;

export async function checkHttp01(challenge: ChallengeToValidate, context: CheckContext): Promise<ValidationOutcome> {
  const { identifier, token, keyAuthorization } = challenge;
  const authority = ipFamily(identifier.value) === 6 ? `[${identifier.value}]` : identifier.value;
  const first = new URL(`http://${authority}:${context.profile.ports.http01}/.well-known/acme-challenge/${token}`);
  let url = first;
  let port = context.profile.ports.http01;
  for (let redirects = 0; ; redirects++) {
    const activity = url === first ? `Fetching ${first.href}` : `Fetching ${first.href}, redirected to ${url.href},`;
    const reachable = await reachableAddresses(hostOf(url), context, activity);
    if (!reachable.ok) return reachable.outcome;
    const exchange = await fetchFromFirst(url, port, reachable.addresses, context);
    if (!exchange.ok) return exchange.outcome(activity);
    const { answer, address } = exchange;
    const at = `${activity} from ${address}`;
    if (REDIRECT_STATUSES.has(answer.status) && answer.location !== undefined) {
      if (redirects >= MAX_REDIRECTS) return invalid("connection", `${at}: more than ${MAX_REDIRECTS} redirects`, address);
      const next = redirectTarget(answer.location, url, context.profile.ports);
      if (!next.ok) return invalid("connection", `${at}: ${next.reason}`, address);
      url = next.url;
      port = next.port;
      continue;
    }
    return judge(answer, keyAuthorization, at, address);
  }
}

function judge(answer: HttpAnswer, keyAuthorization: string, at: string, address: string): ValidationOutcome {
  if (answer.status !== 200) return invalid("unauthorized", `${at}: the server answered ${answer.status}`, address);
  if (answer.bodyTooLarge) {
    return invalid("incorrectResponse", `${at}: the body is larger than ${BODY_LIMIT} bytes, not a key authorization`, address);
  }
  const body = answer.body.toString("utf8").replace(TRAILING_WHITESPACE, "");
  if (body === keyAuthorization) return valid(address);
  return invalid("incorrectResponse", `${at}: the body ${quote(body)} is not the key authorization of this challenge`, address);
}

type Exchange =
  | { readonly ok: true; readonly answer: HttpAnswer; readonly address: string }
  | { readonly ok: false; readonly outcome: (activity: string) => ValidationOutcome };

async function fetchFromFirst(url: URL, port: number, addresses: readonly string[], context: CheckContext): Promise<Exchange> {
  const { deadline } = context;
  const connection = await connectToFirst(addresses, port, deadline);
  if (!connection.ok) {
    const failures = connection.failures;
    const last = failures[failures.length - 1]?.address ?? null;
    return { ok: false, outcome: (activity) => invalid("connection", `${activity}${describeFailures(failures, deadline)}`, last) };
  }
  const { address } = connection;
  let socket: Socket = connection.socket;
  if (url.protocol === "https:") {
    try {
      // Certificate verification is off on purpose, as Let's Encrypt does: what proves control
      // is the key authorization in the body, and the site's certificate is often the very one
      // being requested, or self-signed, when the challenge runs.
      const host = hostOf(url);
      socket = await handshake(
        socket,
        { rejectUnauthorized: false, ALPNProtocols: ["http/1.1"], ...(ipFamily(host) === 0 ? { servername: host } : {}) },
        deadline.signal,
      );
    } catch (error) {
      const [type, reason] = [handshakeProblemType(error), describeNetworkError(error)];
      return { ok: false, outcome: (activity) => invalid(type, `${activity} from ${address}: ${reason}`, address) };
    }
  }
  try {
    return { ok: true, answer: await fetchOverSocket(socket, url, deadline.signal), address };
  } catch (error) {
    const reason = describeNetworkError(error);
    return { ok: false, outcome: (activity) => invalid("connection", `${activity} from ${address}: ${reason}`, address) };
  }
}
