/**
 * `npx tsx test/bench/sqlite-page-cache.bench.ts -65536 -16384 -2000`: what the page-cache size
 * costs a commit once the cache is full — the state of a long-running server whose database
 * outgrew it. A ~100 MB database with a random-keyed index and free pages (deletes), each commit
 * inserting 8 rows and deleting one, with 20 point reads between commits (ACME requests reading
 * rows by id and by indexed key). Each argument is a `PRAGMA cache_size`; the variants run
 * alternately, 4 rounds, on the same file. Prints this process's CPU per commit.
 *
 * Why it matters: when a b-tree split has to reorder the new siblings' page numbers, SQLite
 * swaps them through the PENDING_BYTE page's number (balance_nonroot), which leaves the page
 * cache's largest key far past the end of the file; the commit's truncate then walks the whole
 * cache hash (pcache1TruncateUnsafe), at a cost that grows with the cache.
 */
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";

const variants = process.argv.slice(2).map(Number);
if (variants.length === 0 || variants.some(Number.isNaN)) throw new Error("give one or more cache_size values, e.g. -65536 -16384");
const ROWS = 200_000;
const COMMITS = 3000;
const key = (): string => randomBytes(16).toString("hex");
const value = (): string => randomBytes(200).toString("hex");

const dir = mkdtempSync(join(tmpdir(), "certeasy-page-cache-"));
const path = join(dir, "db.sqlite");
try {
  const setup = new Database(path);
  setup.pragma("journal_mode = WAL");
  setup.exec("create table t (id integer primary key, k text not null, v text not null); create index t_k on t(k)");
  const insert = setup.prepare("insert into t (k, v) values (?, ?)");
  const fill = setup.transaction((n: number) => {
    for (let i = 0; i < n; i++) insert.run(key(), value());
  });
  for (let done = 0; done < ROWS; done += 5000) fill(5000);
  setup.exec("delete from t where id % 7 = 0; delete from t where id between 100000 and 120000");
  setup.pragma("wal_checkpoint(TRUNCATE)");
  console.log(`${String(setup.pragma("page_count", { simple: true }))} pages, ${String(setup.pragma("freelist_count", { simple: true }))} free`);
  setup.close();

  for (let round = 1; round <= 4; round++) {
    for (const cacheSize of variants) {
      const db = new Database(path);
      try {
        db.pragma("journal_mode = WAL");
        db.pragma("synchronous = FULL");
        db.pragma(`cache_size = ${cacheSize}`);
        // Fill the cache from the table and the index, as a server's would be after a while.
        db.prepare("select count(*) from t where v != ''").get();
        db.prepare("select count(*) from t indexed by t_k where k > ''").get();
        const add = db.prepare("insert into t (k, v) values (?, ?)");
        const remove = db.prepare("delete from t where id = ?");
        const byId = db.prepare("select * from t where id = ?");
        const byKey = db.prepare("select * from t where k >= ? limit 1");
        const commit = db.transaction(() => {
          for (let i = 0; i < 8; i++) add.run(key(), value());
          remove.run(1 + Math.floor(Math.random() * ROWS));
        });
        const cpu = process.cpuUsage();
        for (let i = 0; i < COMMITS; i++) {
          commit();
          for (let r = 0; r < 10; r++) {
            byId.get(1 + Math.floor(Math.random() * ROWS));
            byKey.get(key());
          }
        }
        const used = process.cpuUsage(cpu);
        console.log(`round ${round}, cache_size ${cacheSize}: ${((used.user + used.system) / COMMITS).toFixed(1)} µs CPU/commit (with its 20 reads)`);
      } finally {
        db.close();
      }
    }
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
