/**
 * Path rules of behaviour reference §4.1 (since 0.9.5): every path is absolute or anchored.
 * `workdir` may start with `%CONFIGDIR%` (the folder holding the config file); every other path
 * may start with `%WORKDIR%`. Relative paths are refused because earlier versions resolved them
 * against the process CWD, which changes between a console run and a service run.
 */
import { isAbsolute, resolve } from "node:path";

export type PathAnchor = "%WORKDIR%" | "%CONFIGDIR%";

const ANCHORS: readonly PathAnchor[] = ["%WORKDIR%", "%CONFIGDIR%"];

function anchoredRest(text: string, anchor: PathAnchor): string | undefined {
  if (!text.startsWith(anchor)) return undefined;
  const rest = text.slice(anchor.length);
  if (rest === "" || rest.startsWith("/") || rest.startsWith("\\")) return rest;
  return undefined;
}

/** Why `text` is not an acceptable path where `anchor` is allowed, or `undefined` if it is. */
export function pathProblem(text: string, anchor: PathAnchor): string | undefined {
  const expected = `expected an absolute path or one starting with ${anchor}/`;
  if (text === "") return `${expected}, got an empty value`;
  for (const other of ANCHORS) {
    const at = text.indexOf(other);
    if (at === -1) continue;
    if (other !== anchor) {
      return `${other} cannot be used here (${expected}), got ${JSON.stringify(text)}`;
    }
    if (at !== 0 || anchoredRest(text, anchor) === undefined) {
      return `${anchor} must start the path and be followed by a separator (${expected}), got ${JSON.stringify(text)}`;
    }
    return undefined;
  }
  if (!isAbsolute(text)) return `${expected}, got relative path ${JSON.stringify(text)}`;
  return undefined;
}

/** Resolves an accepted path to an absolute one; `base` is what the anchor stands for. */
export function resolveAnchoredPath(text: string, anchor: PathAnchor, base: string): string {
  const rest = anchoredRest(text, anchor);
  if (rest === undefined) return resolve(text);
  return resolve(base, `.${rest.replaceAll("\\", "/")}`);
}
