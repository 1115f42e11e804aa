/**
 * The PostgreSQL the tests may use: 127.0.0.1:5432, user postgres, database test (trust auth).
 * Each installation gets a DATABASE of its own, created from this admin connection.
 */
import { connectOutcome } from "./https.js";

const HOST = "127.0.0.1";
const PORT = 5432;
export const PG_ADMIN_DSN = `postgres://postgres@${HOST}:${PORT}/test`;
export const pgDsn = (database: string): string => `postgres://postgres@${HOST}:${PORT}/${database}`;

/**
 * Whether PostgreSQL tests can run. Unreachable is a skip, said out loud — except under CI,
 * where a missing database must fail the run rather than silently shrink it.
 */
export async function postgresAvailability(): Promise<{ reachable: boolean; message: string }> {
  const outcome = await connectOutcome(PORT, HOST, 1500);
  if (outcome === "connected") return { reachable: true, message: `PostgreSQL at ${HOST}:${PORT}` };
  const message = `PostgreSQL not reachable at ${HOST}:${PORT} (${outcome})`;
  if (process.env["CI"]) throw new Error(`${message}, and CI must run the PostgreSQL end-to-end tests`);
  console.warn(`${message} — skipping the PostgreSQL end-to-end tests`);
  return { reachable: false, message };
}
