/**
 * `npx tsx test/ca/crl.bench.ts --old DIR [--rounds N] [--sequential K] [--storm S] [--sizes 0,10000,30000]`:
 * what one revocation costs the embedded CA with 0, 10,000 and 30,000 revocations already on its
 * list, this tree's CRL publisher (with 1, 16 and 64 CRL shards) against an older one, in one
 * process, alternating (shared machines are noisy: compare ratios, not absolute figures). Not a
 * test: nothing is asserted.
 *
 * DIR holds an older `src/` to compare with, e.g. the commit before the revocation journal:
 *
 *   mkdir /tmp/crl-old && git archive <rev> src | tar -x -C /tmp/crl-old
 *   ln -s "$PWD/node_modules" /tmp/crl-old/node_modules
 *
 * Rows, per list size and variant (each on a fresh CA directory under the OS temp dir, which
 * must be a real disk for fsync to mean anything; the list is written as a format 1
 * revoked.json, which every version reads; serials are partitioned ones, 01 then 16 octets, with
 * a counter in the low bits, so they fall in every shard in turn):
 * - `sequential`: K revocations, each awaited before the next (an idle server's case): wall and
 *   CPU per revocation.
 * - `storm`: S revocations at once (a burst): wall and CPU per revocation, and CRLs built.
 * - `build`: the CRL build alone (CPU): entries kept encoded end to end in one buffer (what the
 *   publisher does), the same for one shard of 16 (a sixteenth of the list, what a revocation
 *   rebuilds with partitioned CRLs), kept encoded one buffer each (copied entry by entry),
 *   encoded again at each build — whether keeping them is worth its memory.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { ensureLocalRootCa } from "../../src/ca/local/bootstrap.js";
import { ensurePrivateDirectory } from "../../src/ca/local/bootstrap-keys.js";
import { openCrlPublisher } from "../../src/ca/local/crl-publisher.js";
import { ensureIssuingCa, type IssuingCa } from "../../src/ca/local/issuing-ca.js";
import { ListedRevocations } from "../../src/ca/local/listed-revocations.js";
import { issuingDistributionPoint } from "../../src/ca/x509/extensions.js";
import { crlEntryOf, publishCrl } from "../../src/ca/local/published-crl.js";
import type { Revocation } from "../../src/ca/local/revocation-file.js";
import { shardCrlUrl } from "../../src/ca/local/crl-urls.js";
import { revocationPaths } from "../../src/ca/local/revocation-store.js";
import { ecdsaP256Signer, type TbsSigner } from "../../src/ca/x509/signer.js";

const args = process.argv.slice(2);
const option = (name: string, fallback: number): number => {
  const at = args.indexOf(name);
  return at >= 0 ? Number(args[at + 1]) || fallback : fallback;
};
const oldDir = args.includes("--old") ? args[args.indexOf("--old") + 1] : undefined;
const rounds = option("--rounds", 2);
const sequentialCount = option("--sequential", 10);
const stormCount = option("--storm", 100);
const sizesAt = args.indexOf("--sizes");
const SIZES = sizesAt >= 0 ? (args[sizesAt + 1] ?? "").split(",").map(Number) : [0, 10_000, 30_000];

/** What the bench needs of a publisher, old or new. */
interface Publisher {
  revoke(revocation: Revocation): Promise<void>;
  readonly builds?: () => number;
}
type Open = (dir: string, issuing: IssuingCa, signer: TbsSigner) => Promise<Publisher>;

const CRL_URL = "http://bench.test/crl/bench.crl";
const openNew =
  (crlShards: number): Open =>
  (dir, issuing, signer) =>
    openCrlPublisher({
      paths: revocationPaths(dir),
      issuing,
      signer,
      now: () => new Date(),
      crlShards,
      crlUrlsOf: (scope) => [scope === "legacy" ? CRL_URL : shardCrlUrl(CRL_URL, scope)],
    });

/** An older publisher: one CRL, opened with `paths` (or, before the journal, `path`: revoked.json). */
async function oldOpener(srcParent: string): Promise<Open> {
  const module = (await import(resolve(srcParent, "src/ca/local/crl-publisher.ts"))) as {
    openCrlPublisher: (options: { path: string; paths: unknown; issuing: IssuingCa; signer: TbsSigner; now: () => Date }) => Promise<Publisher>;
  };
  return (dir, issuing, signer) =>
    module.openCrlPublisher({ path: join(dir, "revoked.json"), paths: revocationPaths(dir), issuing, signer, now: () => new Date() });
}

let serialCounter = 0x100000;
/** A partitioned serial (crl-partition.ts): the low bits step through every shard. */
const nextSerial = (): string => `01${(serialCounter++).toString(16).padStart(32, "0")}`;
const revocation = (): Revocation => ({ serialHex: nextSerial(), reasonCode: 1, revokedAt: new Date(Math.floor(Date.now() / 1000) * 1000) });

/** A CA directory whose revoked.json (format 1) already lists `size` revocations. */
async function caWithList(root: string, size: number): Promise<{ dir: string; issuing: IssuingCa; signer: TbsSigner }> {
  const dir = await mkdtemp(join(root, `list-${size}-`));
  await ensurePrivateDirectory(dir);
  const rootCa = await ensureLocalRootCa(dir);
  const issuing = await ensureIssuingCa(dir, rootCa, "bench", new Date());
  const revoked = Array.from({ length: size }, () => {
    const r = revocation();
    return { serial: r.serialHex, reason: r.reasonCode, revokedAt: r.revokedAt.toISOString() };
  });
  await writeFile(join(dir, "revoked.json"), JSON.stringify({ format: "certeasy-local-ca-revocations/1", lastCrlNumber: "1", revoked }), { mode: 0o600 });
  return { dir, issuing, signer: ecdsaP256Signer(issuing.privateKey, issuing.publicKey) };
}

interface Sample {
  wallMs: number;
  cpuMs: number;
  count: number;
  builds: number;
}
const empty = (): Sample => ({ wallMs: 0, cpuMs: 0, count: 0, builds: 0 });

async function timed(count: number, publisher: Publisher, run: () => Promise<void>, into: Sample): Promise<void> {
  const builds = publisher.builds?.() ?? 0;
  const cpu = process.cpuUsage();
  const start = performance.now();
  await run();
  into.wallMs += performance.now() - start;
  const used = process.cpuUsage(cpu);
  into.cpuMs += (used.user + used.system) / 1000;
  into.count += count;
  into.builds += (publisher.builds?.() ?? 0) - builds;
}

async function main(): Promise<void> {
  if (oldDir === undefined) throw new Error("--old DIR is required (see the comment at the top of this file)");
  const variants: { name: string; open: Open }[] = [
    { name: "old (one CRL)", open: await oldOpener(oldDir) },
    { name: "1 shard", open: openNew(1) },
    { name: "16 shards", open: openNew(16) },
    { name: "64 shards", open: openNew(64) },
  ];
  const root = await mkdtemp(join(tmpdir(), "certeasy-crl-bench-"));
  const results = new Map<string, { sequential: Sample; storm: Sample }>();
  const build = new Map<number, { contiguous: Sample; shard: Sample; kept: Sample; reencoded: Sample }>();
  try {
    for (let round = 0; round < rounds; round++) {
      for (const size of SIZES) {
        // Alternate which variant goes first, so drift on the machine spreads over both.
        const ordered = round % 2 === 0 ? variants : [...variants].reverse();
        if (size === SIZES[0]) process.stdout.write(` round ${round + 1} `);
        for (const variant of ordered) {
          const key = `${variant.name} ${size}`;
          const result = results.get(key) ?? { sequential: empty(), storm: empty() };
          results.set(key, result);
          const ca = await caWithList(root, size);
          const publisher = await variant.open(ca.dir, ca.issuing, ca.signer);
          await timed(sequentialCount, publisher, async () => {
            for (let i = 0; i < sequentialCount; i++) await publisher.revoke(revocation());
          }, result.sequential);
          await timed(stormCount, publisher, async () => {
            await Promise.all(Array.from({ length: stormCount }, () => publisher.revoke(revocation())));
          }, result.storm);
          await rm(ca.dir, { recursive: true, force: true });
          process.stdout.write(".");
        }
        const list: Revocation[] = Array.from({ length: size }, revocation);
        const ca = await caWithList(root, 0);
        const kept = list.map(crlEntryOf);
        const contiguous = new ListedRevocations(list);
        const oneShard = new ListedRevocations(list.slice(0, Math.ceil(size / 16)));
        const idp = issuingDistributionPoint([CRL_URL.replace(/\.crl$/, "/0.crl")]);
        const sample = build.get(size) ?? { contiguous: empty(), shard: empty(), kept: empty(), reencoded: empty() };
        build.set(size, sample);
        const noop: Publisher = { revoke: async () => undefined };
        for (let i = 0; i < 5; i++) {
          await timed(1, noop, async () => void publishCrl(ca.issuing, ca.signer, contiguous.entriesWith([]), 2n, new Date()), sample.contiguous);
          await timed(1, noop, async () => void publishCrl(ca.issuing, ca.signer, oneShard.entriesWith([]), 2n, new Date(), idp), sample.shard);
          await timed(1, noop, async () => void publishCrl(ca.issuing, ca.signer, kept, 2n, new Date()), sample.kept);
          await timed(1, noop, async () => void publishCrl(ca.issuing, ca.signer, list.map(crlEntryOf), 2n, new Date()), sample.reencoded);
        }
        await rm(ca.dir, { recursive: true, force: true });
      }
    }
  } finally {
    await rm(root, { recursive: true, force: true });
  }
  process.stdout.write("\n");
  const per = (s: Sample, field: "wallMs" | "cpuMs") => (s[field] / Math.max(1, s.count)).toFixed(2);
  console.log(`${rounds} round(s); sequential ${sequentialCount}, storm ${stormCount} revocations per round; ms per revocation`);
  console.log("| listed | variant | sequential wall | sequential CPU | storm wall | storm CPU | storm CRLs built |");
  console.log("|---|---|---|---|---|---|---|");
  for (const size of SIZES) {
    for (const variant of variants) {
      const r = results.get(`${variant.name} ${size}`);
      if (!r) continue;
      const builds = String(r.storm.builds);
      console.log(`| ${size} | ${variant.name} | ${per(r.sequential, "wallMs")} | ${per(r.sequential, "cpuMs")} | ${per(r.storm, "wallMs")} | ${per(r.storm, "cpuMs")} | ${builds} |`);
    }
  }
  console.log("\nCRL build alone, ms of CPU per build");
  console.log("| listed | kept in one buffer | one shard of 16, kept in one buffer | kept, one buffer each | encoded again |");
  console.log("|---|---|---|---|---|");
  for (const [size, s] of build) {
    console.log(`| ${size} | ${per(s.contiguous, "cpuMs")} | ${per(s.shard, "cpuMs")} | ${per(s.kept, "cpuMs")} | ${per(s.reencoded, "cpuMs")} |`);
  }
}

await main();
