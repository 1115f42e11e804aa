#!/usr/bin/env node
// The `certeasy` executable. Node 20 cannot run TypeScript by itself, so register tsx's ESM
// loader (resolved next to this file, whatever the caller's working directory) and hand over.
import { register } from "tsx/esm/api";

register();
await import("./main.ts");
