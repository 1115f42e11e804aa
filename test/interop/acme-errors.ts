/**
 * The ACME problem (RFC 8555 §6.7) a client received, found in what it wrote: certbot logs the
 * server's response body (application/problem+json) in its debug log and dehydrated prints it
 * as received, both on one line; uacme and lacme (under --debug, members sorted) print it
 * re-indented over several lines; lego prints `urn:ietf:params:acme:error:<type> :: <detail>`
 * on stderr; acmetool prints its own rendering, `(problem (type "urn:…:<type>") … (detail
 * "<detail>"))`, each string quoted as Go's %q; acme-tiny raises a Python error whose message
 * ends with the decoded document as a dict repr, `Response: {'type': 'urn:…', …}`, or, when a
 * challenge or the order failed, the authorization or order holding the problem
 * (`ValueError: Challenge did not pass for <name>: {…}`, `ValueError: Order failed: {…}`).
 */
import type { ProgramResult } from "./processes.js";
import { readPythonLiteral, type PythonValue } from "./python-literal.js";
import { ScenarioFailure, tail } from "./scenario.js";

export interface AcmeError {
  /** the short type, e.g. `badCSR` */
  readonly type: string;
  readonly detail: string;
}

const PROBLEM_JSON = /\{"type":"urn:ietf:params:acme:error:[^\n]*\}/g;
/** uacme, lacme: `{` and `}` alone in the first column, one member per indented line between them */
const INDENTED_PROBLEM_JSON = /^\{\n(?:[ \t][^\n]*\n)*\}/gm;
/** The namespace of RFC 8555's problem types (§6.7). */
export const PROBLEM_TYPE = "urn:ietf:params:acme:error:";

/** `badCSR` for `urn:ietf:params:acme:error:badCSR` (RFC 8555 §6.7); other URIs as they are. */
export function shortProblemType(type: string): string {
  return type.startsWith(PROBLEM_TYPE) ? type.slice(PROBLEM_TYPE.length) : type;
}
const LEGO_ERROR = /urn:ietf:params:acme:error:([A-Za-z]+) :: ([^\n]*)/g;
/** acme-tiny: where its ValueError's message puts a Python dict (the message's own lines, or its first, after `ValueError: `) */
const ACME_TINY_DICT = /^(?:Response|(?:ValueError: )?(?:Challenge did not pass for \S+|Order failed)): (?=\{)/gm;
const ACMETOOL_PROBLEM = /\(problem \(type "urn:ietf:params:acme:error:([A-Za-z]+)"\)[^\n]*?\(detail ("(?:[^"\\\n]|\\.)*")\)\)/g;

interface Found {
  readonly at: number;
  readonly error: AcmeError;
}

function problemDocuments(text: string, pattern: RegExp): Found[] {
  return [...text.matchAll(pattern)].flatMap((match): Found[] => {
    try {
      const problem = JSON.parse(match[0]) as { type?: unknown; detail?: unknown };
      if (typeof problem.type !== "string" || !problem.type.startsWith(PROBLEM_TYPE)) return [];
      const error = { type: problem.type.slice(PROBLEM_TYPE.length), detail: typeof problem.detail === "string" ? problem.detail : "" };
      return [{ at: match.index, error }];
    } catch {
      return [];
    }
  });
}

/** A Go %q string: JSON's escapes cover what a problem detail holds; anything else is kept as written. */
function goQuoted(quoted: string): string {
  try {
    return JSON.parse(quoted) as string;
  } catch {
    return quoted.slice(1, -1);
  }
}

function acmetoolProblems(text: string): Found[] {
  return [...text.matchAll(ACMETOOL_PROBLEM)].map((match) => ({ at: match.index, error: { type: match[1] ?? "", detail: goQuoted(match[2] ?? '""') } }));
}

/** The first problem document in `value`, itself or nested (an order's `error`, a challenge's). */
function nestedProblem(value: PythonValue): AcmeError | null {
  if (value === null || typeof value !== "object") return null;
  if (!Array.isArray(value)) {
    const { type, detail } = value as { readonly [key: string]: PythonValue };
    if (typeof type === "string" && type.startsWith(PROBLEM_TYPE)) return { type: type.slice(PROBLEM_TYPE.length), detail: typeof detail === "string" ? detail : "" };
  }
  for (const member of Object.values(value)) {
    const found = nestedProblem(member);
    if (found !== null) return found;
  }
  return null;
}

function acmeTinyProblems(text: string): Found[] {
  return [...text.matchAll(ACME_TINY_DICT)].flatMap((match): Found[] => {
    const literal = readPythonLiteral(text.slice(match.index + match[0].length));
    const error = literal === null ? null : nestedProblem(literal.value);
    return error === null ? [] : [{ at: match.index, error }];
  });
}

/** The last ACME problem in `text`, or null when there is none. */
export function lastAcmeError(text: string): AcmeError | null {
  const documents = [...problemDocuments(text, PROBLEM_JSON), ...problemDocuments(text, INDENTED_PROBLEM_JSON), ...acmetoolProblems(text), ...acmeTinyProblems(text)].sort((a, b) => a.at - b.at);
  const last = documents.at(-1);
  if (last !== undefined) return last.error;
  const printed = [...text.matchAll(LEGO_ERROR)].at(-1);
  return printed === undefined ? null : { type: printed[1] ?? "", detail: (printed[2] ?? "").trim() };
}

/** A client run the server had to refuse, with a problem of type `wanted` in what the client printed. */
export function requireProblem(result: ProgramResult, what: string, wanted: string): AcmeError {
  const output = result.stdout + result.stderr;
  if (result.code === 0) throw new ScenarioFailure(`${what} succeeded, expected the server to refuse it with ${wanted}`, tail(output, 10));
  const error = lastAcmeError(output);
  if (error?.type !== wanted) throw new ScenarioFailure(`${what} failed, but not with ${wanted}${error === null ? "" : ` (got ${error.type} "${error.detail}")`}`, tail(output, 15));
  return error;
}
