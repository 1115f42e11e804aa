/**
 * FakeAdcs (adcs.md §8.1–8.2): the request table and the test CA behind the fake `certreq` and
 * `certutil` programs. Everything lives in the directory named by FAKE_ADCS_DIR:
 *
 *   ca/issuing.pem, ca/issuing.key, ca/root.pem   the test CA (made by the test setup)
 *   scenario.json   { "scenario": "issued", "language": "en" } (FAKE_ADCS_SCENARIO /
 *                   FAKE_ADCS_LANGUAGE override it)
 *   requests/<id>.json   one row per request: status, CSR, certificate, revocation
 *   argv.log        one JSON line per run: { program, argv, pid }
 *   pids/<pid>.json the pids a hanging run started (timeout scenario)
 */
import { appendFileSync, closeSync, existsSync, mkdirSync, openSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";

export const dir = process.env.FAKE_ADCS_DIR;
if (!dir) {
  process.stderr.write("FAKE_ADCS_DIR is not set\n");
  process.exit(87);
}

export function settings() {
  const file = join(dir, "scenario.json");
  const stored = existsSync(file) ? JSON.parse(readFileSync(file, "utf8")) : {};
  return {
    scenario: process.env.FAKE_ADCS_SCENARIO ?? stored.scenario ?? "issued",
    language: process.env.FAKE_ADCS_LANGUAGE ?? stored.language ?? "en",
  };
}

export function recordArgv(program) {
  appendFileSync(join(dir, "argv.log"), `${JSON.stringify({ program, argv: process.argv.slice(2), pid: process.pid })}\n`);
}

export const print = (lines) => process.stdout.write(`${lines.join("\r\n")}\r\n`);

/** certreq/certutil return the HRESULT as the exit code; a POSIX exit status keeps its low byte. */
export const exitWithHresult = (hresult) => process.exit(hresult & 0xff || 1);

const requestsDir = () => {
  const path = join(dir, "requests");
  mkdirSync(path, { recursive: true });
  return path;
};

/**
 * The next request id, reserved by creating its file exclusively: concurrent certreq runs (several
 * orders finalized at once) each get an id of their own, as from a real CA's database, instead of
 * two reading the same maximum and one overwriting the other's row.
 */
export function nextRequestId() {
  const ids = readdirSync(requestsDir()).map((name) => Number.parseInt(name, 10)).filter(Number.isFinite);
  for (let id = ids.length === 0 ? 1 : Math.max(...ids) + 1; ; id++) {
    try {
      closeSync(openSync(join(requestsDir(), `${id}.json`), "wx"));
      return id;
    } catch (error) {
      if (error.code !== "EEXIST") throw error;
    }
  }
}

export function loadRequest(id) {
  const file = join(requestsDir(), `${id}.json`);
  const text = existsSync(file) ? readFileSync(file, "utf8") : "";
  // An empty file is an id reserved by a certreq still writing its row.
  return text === "" ? undefined : JSON.parse(text);
}

export function saveRequest(row) {
  writeFileSync(join(requestsDir(), `${row.id}.json`), JSON.stringify(row, null, 2));
}

export function allRequests() {
  return readdirSync(requestsDir())
    .map((name) => readFileSync(join(requestsDir(), name), "utf8"))
    .filter((text) => text !== "")
    .map((text) => JSON.parse(text));
}

/** Spawns a child in the same process group, records both pids, and never returns. */
export async function hang() {
  const { spawn } = await import("node:child_process");
  const helper = spawn(process.execPath, ["-e", "setInterval(() => {}, 1000)"], { stdio: "ignore" });
  mkdirSync(join(dir, "pids"), { recursive: true });
  writeFileSync(join(dir, "pids", `${process.pid}.json`), JSON.stringify({ pids: [process.pid, helper.pid] }));
  setInterval(() => {}, 1000);
  await new Promise(() => {});
}

/** Issues a leaf for the CSR with the test issuing CA, as the template "WebServer" would. */
export async function issueFor(csrPem) {
  await import("reflect-metadata");
  const x509 = await import("@peculiar/x509");
  const { webcrypto, randomBytes } = await import("node:crypto");
  const csr = new x509.Pkcs10CertificateRequest(csrPem);
  if (!(await csr.verify())) throw new Error("the CSR signature does not verify");
  const issuing = new x509.X509Certificate(readFileSync(join(dir, "ca", "issuing.pem"), "utf8"));
  const keyPem = readFileSync(join(dir, "ca", "issuing.key"), "utf8");
  const signingKey = await webcrypto.subtle.importKey(
    "pkcs8",
    x509.PemConverter.decodeFirst(keyPem),
    { name: "ECDSA", namedCurve: "P-256" },
    false,
    ["sign"],
  );
  const requested = csr.getExtension("2.5.29.17");
  // RFC 5280 §4.2.1.6, as a CA does: with an empty subject the SAN is critical.
  const san = requested ? new x509.Extension("2.5.29.17", csr.subject === "", requested.value) : undefined;
  // Random, top bit left to chance: some serials need DER's leading 00 octet.
  const serialNumber = randomBytes(19).toString("hex");
  const now = Date.now();
  const leaf = await x509.X509CertificateGenerator.create({
    serialNumber,
    subject: csr.subject,
    issuer: issuing.subject,
    notBefore: new Date(now - 60_000),
    notAfter: new Date(now + 365 * 86_400_000),
    publicKey: csr.publicKey,
    signingKey,
    signingAlgorithm: { name: "ECDSA", hash: "SHA-256" },
    extensions: [
      ...(san ? [san] : []),
      new x509.BasicConstraintsExtension(false),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
      await x509.AuthorityKeyIdentifierExtension.create(issuing),
      await x509.SubjectKeyIdentifierExtension.create(csr.publicKey),
    ],
  });
  return { certificatePem: leaf.toString("pem"), serialHex: leaf.serialNumber.toLowerCase() };
}

/** The PKCS#7 bundle certreq writes as its third file: leaf, issuing CA and root (adcs.md §1.4). */
export async function chainBundle(certificatePem) {
  await import("reflect-metadata");
  const x509 = await import("@peculiar/x509");
  const members = [certificatePem, readFileSync(join(dir, "ca", "issuing.pem"), "utf8"), readFileSync(join(dir, "ca", "root.pem"), "utf8")];
  return new x509.X509Certificates(members.map((pem) => new x509.X509Certificate(pem))).export("pem");
}

export function issuingCaDer() {
  const pem = readFileSync(join(dir, "ca", "issuing.pem"), "utf8");
  return Buffer.from(pem.replace(/-----[^-]+-----/g, "").replace(/\s+/g, ""), "base64");
}

/** Serials compared as numbers: "00ab", "0ab" and "AB" are one serial. */
export const sameSerial = (a, b) => a.toLowerCase().replace(/^0+/, "") === b.toLowerCase().replace(/^0+/, "");
