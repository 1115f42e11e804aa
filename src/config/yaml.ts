/**
 * YAML text → plain value, with the product's strict-parser rules that a schema cannot see
 * because they are about how the text was written, not what it means (behaviour reference §4.1):
 * syntax errors name the line and column, a key may appear once per mapping, and lists must be
 * block sequences — a flow sequence `[a, b]` is refused with `expected sequence (use '-' items)`.
 */
import { isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, visit } from "yaml";
import type { Node as YamlNode } from "yaml";
import { renderPath } from "./errors.js";
import type { ConfigIssue } from "./errors.js";

/**
 * `ok: false`: the text is not YAML, there is nothing to validate. `ok: true`: the value, plus
 * the issues about how it was written (duplicate keys, flow sequences) for the loader to report
 * together with the schema's.
 */
export type YamlParseResult =
  | { readonly ok: true; readonly value: unknown; readonly issues: readonly ConfigIssue[] }
  | { readonly ok: false; readonly issues: readonly ConfigIssue[] };

const SNIPPET_MAX = 80;

export function parseYaml(text: string, file: string): YamlParseResult {
  const lineCounter = new LineCounter();
  // uniqueKeys off: duplicates are found below, where the key path is known for the message.
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: false });
  const at = (offset: number): { line: number; column: number } => {
    const { line, col } = lineCounter.linePos(offset);
    return { line, column: col };
  };

  if (doc.errors.length > 0) {
    const issues = doc.errors.map((error) => ({
      file,
      path: "",
      message: `invalid YAML: ${error.message}`,
      ...at(error.pos[0]),
    }));
    return { ok: false, issues };
  }

  const issues: ConfigIssue[] = [];
  const walk = (node: unknown, path: readonly (string | number)[]): void => {
    if (isMap(node)) {
      const firstSeen = new Map<string, number>();
      for (const pair of node.items) {
        if (!isPair(pair)) continue;
        const key = isScalar(pair.key) ? String(pair.key.value) : String(pair.key);
        const offset = (pair.key as YamlNode | null)?.range?.[0] ?? 0;
        const first = firstSeen.get(key);
        if (first !== undefined) {
          issues.push({
            file,
            path: renderPath([...path, key]),
            message: `duplicate key (first at line ${at(first).line}); expected each key once`,
            ...at(offset),
          });
        } else {
          firstSeen.set(key, offset);
        }
        walk(pair.value, [...path, key]);
      }
    } else if (isSeq(node)) {
      if (node.flow === true) {
        const [start, end] = node.range ?? [0, 0];
        const written = text.slice(start, end).replace(/\s+/g, " ").trim();
        const snippet = written.length > SNIPPET_MAX ? `${written.slice(0, SNIPPET_MAX)}…` : written;
        issues.push({
          file,
          path: renderPath(path),
          message: `expected sequence (use '-' items), got flow sequence ${snippet} at line ${at(start).line}`,
          ...at(start),
        });
        return;
      }
      node.items.forEach((item, index) => walk(item, [...path, index]));
    }
    // Aliases are not walked: the anchored node was checked where it is defined.
  };
  walk(doc.contents, []);

  try {
    return { ok: true, value: doc.toJS(), issues };
  } catch (error) {
    // toJS refuses alias bombs ("excessive alias count"); report it like any YAML error.
    // The first alias is where the expansion starts: name its line, as for any YAML error.
    const reason = error instanceof Error ? error.message : String(error);
    let firstAlias: number | undefined;
    visit(doc, {
      Alias: (_key, node) => {
        firstAlias = node.range?.[0];
        return visit.BREAK;
      },
    });
    return { ok: false, issues: [{ file, path: "", message: `invalid YAML: ${reason}`, ...(firstAlias === undefined ? {} : at(firstAlias)) }] };
  }
}
