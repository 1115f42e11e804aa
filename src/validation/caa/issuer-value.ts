/**
 * The value of an `issue` or `issuewild` property, read by the grammar of RFC 8659 §4.2:
 *
 *   issue-value = *WSP [issuer-domain-name *WSP] [";" *WSP [parameters *WSP]]
 *   issuer-domain-name = label *("." label)
 *   label = (ALPHA / DIGIT) *( *("-") (ALPHA / DIGIT))
 *   parameters = (parameter *WSP ";" *WSP parameters) / parameter
 *   parameter = tag *WSP "=" *WSP value
 *   tag = (ALPHA / DIGIT) *( *("-") (ALPHA / DIGIT))
 *   value = *(%x21-3A / %x3C-7E)
 *
 * Anything else is malformed, and RFC 8659 §4.2 makes a malformed value authorize no one — so
 * this reader is strict on purpose: no trailing dot, no empty parameter, no non-ASCII octet.
 */

export interface IssuerParameter {
  /** lower case: a restriction written `AccountURI=` still restricts */
  readonly tag: string;
  readonly value: string;
}

export interface IssuerValue {
  /** lower case; null when the value names no issuer (`;`, or nothing), which authorizes no one */
  readonly issuer: string | null;
  readonly parameters: readonly IssuerParameter[];
}

const LABEL = "[A-Za-z0-9](?:-*[A-Za-z0-9])*";
const ISSUER = new RegExp(`^${LABEL}(?:\\.${LABEL})*$`);
const PARAMETER = new RegExp(`^(${LABEL})[ \\t]*=[ \\t]*([\\x21-\\x3a\\x3c-\\x7e]*)$`);
const WSP_AROUND = /^[ \t]+|[ \t]+$/g;

const trimWsp = (text: string): string => text.replace(WSP_AROUND, "");

/** The issuer and parameters, or null when the value is malformed. */
export function parseIssuerValue(text: string): IssuerValue | null {
  const semicolon = text.indexOf(";");
  const head = trimWsp(semicolon === -1 ? text : text.slice(0, semicolon));
  if (head !== "" && !ISSUER.test(head)) return null;
  const issuer = head === "" ? null : head.toLowerCase();
  if (semicolon === -1) return { issuer, parameters: [] };
  const rest = trimWsp(text.slice(semicolon + 1));
  if (rest === "") return { issuer, parameters: [] };
  const parameters: IssuerParameter[] = [];
  // A value cannot hold ";" (it is outside %x21-3A / %x3C-7E), so ";" always separates parameters.
  for (const part of rest.split(";")) {
    const match = PARAMETER.exec(trimWsp(part));
    if (match?.[1] === undefined || match[2] === undefined) return null;
    parameters.push({ tag: match[1].toLowerCase(), value: match[2] });
  }
  return { issuer, parameters };
}
