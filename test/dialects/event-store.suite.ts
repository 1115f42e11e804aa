/**
 * The one event-store suite every database dialect runs (DESIGN §4): SQLite always,
 * PostgreSQL and SQL Server when reachable. A dialect test file calls
 *
 *   describeEventStore("postgres", factory, { refusesTruncate: true });
 *
 * where `factory()` opens the dialect on a fresh, EMPTY database (no migrations: the suite
 * migrates it itself, because it also tests migrating) and returns an EventStoreHarness. The
 * suite calls the factory once per test and `cleanup()` after it, so every test starts from
 * scratch; the factory must use a database, schema or file of its own so that test files can
 * run in parallel.
 */
import { afterEach, describe } from "vitest";
import type { EventStoreDialect } from "../../src/store/dialect.js";
import { appendTests } from "./suite/append.js";
import { concurrencyTests } from "./suite/concurrency.js";
import { conflictTests } from "./suite/conflicts.js";
import { importTests } from "./suite/import.js";
import { integrityTests } from "./suite/integrity.js";
import { isolationTests } from "./suite/isolation.js";
import { keyedReadTests } from "./suite/keyed-reads.js";
import { leaseTests } from "./suite/lease.js";
import { migrationTests } from "./suite/migrations.js";
import { orderCountTests, orderTallyTests } from "./suite/order-counts.js";
import { ordersPageTests } from "./suite/orders-page.js";
import { readTests } from "./suite/reads.js";
import { rebuildTests } from "./suite/rebuild.js";
import { serverTests } from "./suite/servers.js";

export interface EventStoreHarness {
  /** the dialect under test, opened on an empty database */
  readonly dialect: EventStoreDialect;
  /**
   * Run one raw SQL statement on the same database through a connection of its own (as a
   * tamperer or an operator would), resolving to the rows it returns ([] for none).
   */
  query(statement: string): Promise<Record<string, unknown>[]>;
  /** close both connections and drop the database, schema or file */
  cleanup(): Promise<void>;
}

export type EventStoreFactory = () => Promise<EventStoreHarness>;

export interface EventStoreSuiteOptions {
  /** the database is not reachable here: register the tests as skipped */
  readonly skip?: boolean;
  /** the database also refuses TRUNCATE TABLE es_events (PostgreSQL's BEFORE TRUNCATE trigger) */
  readonly refusesTruncate?: boolean;
}

/** What each group of tests gets: harness openers whose harnesses are cleaned up after each test. */
export interface SuiteContext {
  /** a dialect on an empty, unmigrated database */
  readonly empty: () => Promise<EventStoreHarness>;
  /** a dialect on a freshly migrated database */
  readonly migrated: () => Promise<EventStoreHarness>;
  readonly options: EventStoreSuiteOptions;
}

export function describeEventStore(name: string, factory: EventStoreFactory, options: EventStoreSuiteOptions = {}): void {
  (options.skip ? describe.skip : describe)(`event store on ${name}`, () => {
    const opened: EventStoreHarness[] = [];
    afterEach(async () => {
      const harnesses = opened.splice(0);
      await Promise.all(harnesses.map((h) => h.cleanup()));
    });
    const empty = async (): Promise<EventStoreHarness> => {
      const harness = await factory();
      opened.push(harness);
      return harness;
    };
    const migrated = async (): Promise<EventStoreHarness> => {
      const harness = await empty();
      await harness.dialect.migrate();
      return harness;
    };
    const ctx: SuiteContext = { empty, migrated, options };
    describe("migrations", () => migrationTests(ctx));
    describe("append", () => appendTests(ctx));
    describe("concurrent appends", () => concurrencyTests(ctx));
    describe("stream version conflicts", () => conflictTests(ctx));
    describe("integrity", () => integrityTests(ctx));
    describe("orders by status", () => {
      orderCountTests(ctx);
      orderTallyTests(ctx);
    });
    describe("orders list pages", () => ordersPageTests(ctx));
    describe("reads", () => readTests(ctx));
    describe("servers", () => serverTests(ctx));
    describe("writer lease", () => leaseTests(ctx));
    describe("projection rebuild", () => rebuildTests(ctx));
    describe("import (events recover)", () => importTests(ctx));
    describe("isolation", () => isolationTests(ctx));
    describe("keyed projection reads", () => keyedReadTests(ctx));
  });
}
