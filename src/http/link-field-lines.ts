/**
 * One link per `Link` header field line. Hono builds responses on fetch `Headers`, which join
 * every value of a name into one line, so the index link every ACME response carries (RFC 8555
 * §7.1) and the `alternate` (§7.4.2), `up` (§7.5.1) or `next` (§7.1.2.1) link of the same
 * response went out as `Link: <a>;rel="index", <b>;rel="alternate"`. HTTP calls the two forms
 * equivalent (RFC 9110 §5.3), but RFC 8555 speaks of one "link relation header field" per
 * alternate chain, as its examples show, and clients read them a line at a time: uacme 1.7.4
 * (`-l`) takes the URL of `^Link: <(.*)>…rel="alternate"` per line, which on the joined line is
 * `a>;rel="index", <b` — it then falls back to the default chain; acme.sh keeps the first URL
 * of each `Link:` line holding `rel="alternate"`, here the directory's. This response class,
 * handed to node's server, writes each link-value on a field line of its own.
 */
import { ServerResponse, type IncomingMessage, type OutgoingHttpHeader, type OutgoingHttpHeaders } from "node:http";

/** The link-values of a joined field (RFC 8288 §3). Our links are our own URLs: none holds `,<`. */
export function linkValues(field: string): string[] {
  return field.split(/,\s*(?=<)/);
}

type HeaderArgument = OutgoingHttpHeaders | OutgoingHttpHeader[] | undefined;

/** The headers with a joined Link field split into one value per line; untouched otherwise. */
export function oneLinkPerLine(headers: HeaderArgument): HeaderArgument {
  if (headers === undefined || Array.isArray(headers)) return headers;
  for (const name in headers) {
    if (name.length !== 4 || name.toLowerCase() !== "link") continue;
    const value = headers[name];
    // A copy: the record may be one the framework keeps (a cached response's headers).
    if (typeof value === "string" && value.includes(",")) return { ...headers, [name]: linkValues(value) };
  }
  return headers;
}

export class OneLinkPerLineResponse<Request extends IncomingMessage = IncomingMessage> extends ServerResponse<Request> {
  override writeHead(statusCode: number, reasonOrHeaders?: string | OutgoingHttpHeaders | OutgoingHttpHeader[], headers?: OutgoingHttpHeaders | OutgoingHttpHeader[]): this {
    return typeof reasonOrHeaders === "string"
      ? super.writeHead(statusCode, reasonOrHeaders, oneLinkPerLine(headers))
      : super.writeHead(statusCode, oneLinkPerLine(reasonOrHeaders));
  }
}
