/**
 * `npx tsx test/ca/issue.bench.ts [--seconds N]` (N seconds per row, default 3): how many P-256
 * leaf certificates one core signs per second with the embedded CA's DER template, against
 * @peculiar/x509 building the same certificate (same extensions, same issuing key). Prints
 * certs/s and µs per certificate; compare ratios within one run (shared machines are noisy).
 * Not a test: nothing is asserted.
 *
 * Rows:
 * - `sign only`            crypto.sign over a TBS of the same size: the floor.
 * - `DER template`         the leaf builder: encode TBS + sign (what issuing costs in CPU).
 * - `LocalAuthority.submit` the whole backend call: validity, request checks, serial, PEM chain.
 * - `@peculiar/x509`       X509CertificateGenerator.create with the same profile.
 */
import "reflect-metadata";
import { generateKeyPairSync, sign, webcrypto } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as x509 from "@peculiar/x509";
import { ensureLocalRootCa } from "../../src/ca/local/bootstrap.js";
import { ensureIssuingCa } from "../../src/ca/local/issuing-ca.js";
import { openLocalAuthority } from "../../src/ca/local/local-authority.js";
import { randomSerial } from "../../src/ca/local/serial.js";
import { leafCertificateBuilder } from "../../src/ca/x509/leaf-certificate.js";
import { parseSubjectPublicKeyInfo } from "../../src/ca/x509/public-key.js";
import { ecdsaP256Signer } from "../../src/ca/x509/signer.js";

const args = process.argv.slice(2);
const seconds = Number(args[args.indexOf("--seconds") + 1] ?? 3) || 3;
const CRL_URL = "http://acme.example/crl/bench.crl";
const DAY_MS = 86_400_000;

interface Variant {
  readonly name: string;
  readonly once: () => unknown;
}

interface Row {
  readonly name: string;
  count: number;
  elapsedMs: number;
}

/**
 * Interleaves the variants in 250 ms slices until each has had `seconds` in total, so load from
 * other processes on a shared machine spreads over all rows instead of skewing one.
 */
async function measure(variants: readonly Variant[]): Promise<Row[]> {
  for (const variant of variants) {
    const warmUntil = performance.now() + 200;
    while (performance.now() < warmUntil) await variant.once();
  }
  const rows: Row[] = variants.map((variant) => ({ name: variant.name, count: 0, elapsedMs: 0 }));
  for (let slice = 0; slice < seconds * 4; slice++) {
    for (const [i, variant] of variants.entries()) {
      const row = rows[i];
      if (!row) continue;
      const start = performance.now();
      const deadline = start + 250;
      while (performance.now() < deadline) {
        for (let n = 0; n < 10; n++) await variant.once();
        row.count += 10;
      }
      row.elapsedMs += performance.now() - start;
    }
  }
  return rows;
}

async function main(): Promise<void> {
  const workdir = await mkdtemp(join(tmpdir(), "certeasy-ca-bench-"));
  try {
    const dir = join(workdir, "local-ca");
    const now = () => new Date();
    const authority = await openLocalAuthority({ dir, name: "bench", crlUrl: CRL_URL, now });
    const root = await ensureLocalRootCa(dir);
    const issuing = await ensureIssuingCa(dir, root, "bench", now());
    const signer = ecdsaP256Signer(issuing.privateKey, issuing.publicKey);
    const builder = leafCertificateBuilder(
      { issuerName: issuing.subjectName, authorityKeyId: issuing.subjectKeyId, crlUrls: [CRL_URL] },
      signer,
    );

    const subject = generateKeyPairSync("ec", { namedCurve: "P-256" });
    const spki = subject.publicKey.export({ type: "spki", format: "der" });
    const subjectPublicKey = parseSubjectPublicKeyInfo(spki);
    const names = ["www.example.com", "example.com", "api.example.com"];
    const leafFields = () => {
      const at = Date.now();
      return {
        serial: randomSerial().octets,
        notBefore: new Date(at - 300_000),
        notAfter: new Date(at + 90 * DAY_MS),
        subjectPublicKey,
        subjectAltNames: names.map((value) => ({ type: "dns" as const, value })),
        extraEkus: [],
        crlShard: 0,
      };
    };
    const sampleTbs = builder.tbs(leafFields());

    // @peculiar/x509 with the same issuing key (WebCrypto) and the same profile.
    const issuingKey = await webcrypto.subtle.importKey(
      "pkcs8",
      issuing.privateKey.export({ type: "pkcs8", format: "der" }),
      { name: "ECDSA", namedCurve: "P-256" },
      false,
      ["sign"],
    );
    const subjectKey = await webcrypto.subtle.importKey("spki", spki, { name: "ECDSA", namedCurve: "P-256" }, true, ["verify"]);
    const issuingCertificate = new x509.X509Certificate(issuing.certificatePem);
    const staticExtensions = [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth], false),
      new x509.AuthorityKeyIdentifierExtension(Buffer.from(issuing.subjectKeyId).toString("hex")),
      new x509.CRLDistributionPointsExtension([CRL_URL]),
    ];
    const peculiar = async () => {
      const fields = leafFields();
      return x509.X509CertificateGenerator.create({
        serialNumber: Buffer.from(fields.serial).toString("hex"),
        subject: "",
        issuer: issuingCertificate.subjectName,
        notBefore: fields.notBefore,
        notAfter: fields.notAfter,
        publicKey: subjectKey,
        signingKey: issuingKey,
        signingAlgorithm: { name: "ECDSA", hash: "SHA-256" },
        extensions: [
          ...staticExtensions,
          await x509.SubjectKeyIdentifierExtension.create(subjectKey),
          new x509.SubjectAlternativeNameExtension(names.map((value) => ({ type: "dns" as const, value })), true),
        ],
      });
    };

    let order = 0;
    const rows = await measure([
      { name: "sign only (crypto.sign, P-256)", once: () => sign("sha256", sampleTbs, issuing.privateKey) },
      { name: "DER template (encode + sign)", once: () => builder.certificate(leafFields()) },
      {
        name: "LocalAuthority.submit",
        once: () =>
          authority.submit({
            requestKey: `bench-${order++}`,
            csrDer: new Uint8Array(),
            publicKeySpki: spki,
            identifiers: names.map((value) => ({ type: "dns", value })),
            extraEkus: [],
          }),
      },
      { name: "@peculiar/x509 generator", once: peculiar },
    ]);

    const template = rows[1];
    console.log(`P-256 leaf, 3 SANs, ${seconds}s per row, one core (node ${process.version})`);
    console.log("row".padEnd(34), "certs/s".padStart(9), "µs/cert".padStart(9), "vs x509".padStart(9));
    const baseline = rows[3];
    for (const row of rows) {
      const perSecond = (row.count / row.elapsedMs) * 1000;
      const ratio = baseline ? perSecond / ((baseline.count / baseline.elapsedMs) * 1000) : Number.NaN;
      console.log(
        row.name.padEnd(34),
        perSecond.toFixed(0).padStart(9),
        ((row.elapsedMs * 1000) / row.count).toFixed(1).padStart(9),
        `${ratio.toFixed(1)}×`.padStart(9),
      );
    }
    if (template) console.log(`DER template TBS size: ${sampleTbs.length} bytes; ${template.count} certificates signed`);
  } finally {
    await rm(workdir, { recursive: true, force: true });
  }
}

await main();
