import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { afterAll, describe, expect, it } from "vitest";
import type { LogsConfig } from "../config/types.js";
import { createLogger, LogFileError } from "./logger.js";

const base: LogsConfig = { level: "info", format: "json", output: { kind: "stderr" }, services: {}, tags: {} };

/** A destination that keeps every written chunk, so a test reads exactly what a user would. */
function capture(): { stream: Writable; text: () => string; lines: () => Record<string, unknown>[] } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer | string, _encoding, done) {
      chunks.push(String(chunk));
      done();
    },
  });
  const text = () => chunks.join("");
  const lines = () =>
    text()
      .split("\n")
      .filter((line) => line !== "")
      .map((line) => JSON.parse(line) as Record<string, unknown>);
  return { stream, text, lines };
}

describe("createLogger", () => {
  it("writes JSON lines with level names, UTC ISO time and the tags", () => {
    const out = capture();
    const logger = createLogger({ ...base, tags: { site: "paris", role: "acme" } }, { destination: out.stream });
    logger.info({ orderId: "o1" }, "order created");
    const [line] = out.lines();
    expect(line).toMatchObject({ level: "info", msg: "order created", orderId: "o1", site: "paris", role: "acme" });
    expect(String(line?.["time"])).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  });

  it("drops lines below the global level", () => {
    const out = capture();
    const logger = createLogger({ ...base, level: "warn" }, { destination: out.stream });
    logger.info("quiet");
    logger.warn("loud");
    expect(out.lines().map((line) => line["msg"])).toEqual(["loud"]);
  });

  it("gives each service its own level and name, falling back to the global level", () => {
    const out = capture();
    const logger = createLogger(
      { ...base, level: "warn", services: { "acme-server": "debug", "DB-Driver": "off" } },
      { destination: out.stream },
    );
    logger.service("acme-server").debug("jws verified");
    logger.service("DB-Driver").error("not shown: service is off");
    logger.service("worker").info("not shown: global level is warn");
    logger.service("worker").warn("queue slow");
    expect(out.lines().map((line) => [line["service"], line["level"], line["msg"]])).toEqual([
      ["acme-server", "debug", "jws verified"],
      ["worker", "warn", "queue slow"],
    ]);
    expect(logger.service("acme-server")).toBe(logger.service("acme-server"));
  });

  it("lets a service speak when the global level is off", () => {
    const out = capture();
    const logger = createLogger({ ...base, level: "off", services: { audit: "info" } }, { destination: out.stream });
    logger.error("silent");
    logger.service("audit").info("chain verified");
    expect(out.lines().map((line) => line["msg"])).toEqual(["chain verified"]);
  });

  it("writes readable text with format text", () => {
    const out = capture();
    const logger = createLogger({ ...base, format: "text", tags: { site: "paris" } }, { destination: out.stream });
    logger.service("main").info("certeasy started");
    const text = out.text();
    expect(text).toMatch(/^\[\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z\] INFO: certeasy started\n/);
    expect(text).toContain('service: "main"');
    expect(text).toContain('site: "paris"');
    expect(text).not.toMatch(/^\{/);
  });
});

describe("file output", () => {
  const dir = mkdtempSync(join(tmpdir(), "certeasy-log-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const mode = (path: string) => statSync(path).mode & 0o777;

  it("creates the file 0600 and its new folder 0700, and appends to it", () => {
    const path = join(dir, "logs", "certeasy.log");
    const logs: LogsConfig = { ...base, output: { kind: "file", path } };
    createLogger(logs).info("first");
    createLogger(logs).info("second");
    expect(mode(path)).toBe(0o600);
    expect(mode(join(dir, "logs"))).toBe(0o700);
    const messages = readFileSync(path, "utf8").trim().split("\n").map((line) => (JSON.parse(line) as { msg: string }).msg);
    expect(messages).toEqual(["first", "second"]);
  });

  it("tightens an existing log file to 0600", () => {
    const path = join(dir, "old.log");
    writeFileSync(path, "");
    chmodSync(path, 0o644);
    createLogger({ ...base, output: { kind: "file", path } }).warn("tightened");
    expect(mode(path)).toBe(0o600);
  });

  it("reports a log file it cannot open with a typed error naming the path", () => {
    const path = join(dir, "is-a-dir");
    createLogger({ ...base, output: { kind: "file", path: join(path, "x.log") } }).info("makes the folder");
    expect(() => createLogger({ ...base, output: { kind: "file", path } })).toThrow(LogFileError);
    expect(() => createLogger({ ...base, output: { kind: "file", path } })).toThrow(`cannot open log file ${path} (EISDIR)`);
  });
});
