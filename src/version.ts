/** The running build's version, from package.json (stored in node.started events). */
import { readFileSync } from "node:fs";

const pkg = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as { version: string };

export const CERTEASY_VERSION: string = pkg.version;
