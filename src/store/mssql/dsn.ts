/**
 * SQL Server connection strings, normalised once into an mssql pool config. Two forms:
 *   mssql://user:pass@host:1433/database?encrypt=true&trustServerCertificate=true
 *     (also `sqlserver://`; user and password percent-decoded; `instanceName=` for a named
 *     instance instead of a port)
 *   Server=host,1433;Database=certeasy;User Id=app;Password=…;Encrypt=true
 *     (ADO.NET style, parsed by mssql itself)
 */
import mssql from "mssql";
import type { config as MssqlConfig } from "mssql";

export class MssqlDsnError extends Error {
  override readonly name = "MssqlDsnError";
}

const URL_PARAMS = new Set(["encrypt", "trustServerCertificate", "instanceName", "connectTimeoutMs", "requestTimeoutMs"]);

function flag(url: URL, key: string): boolean | undefined {
  const raw = url.searchParams.get(key);
  if (raw === null) return undefined;
  if (raw === "true") return true;
  if (raw === "false") return false;
  throw new MssqlDsnError(`SQL Server DSN: ${key} must be true or false, not "${raw}"`);
}

function milliseconds(url: URL, key: string): number | undefined {
  const raw = url.searchParams.get(key);
  if (raw === null) return undefined;
  const n = Number(raw);
  if (!/^\d+$/.test(raw) || !Number.isSafeInteger(n)) {
    throw new MssqlDsnError(`SQL Server DSN: ${key} must be a whole number of milliseconds, not "${raw}"`);
  }
  return n;
}

function decode(part: string, what: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    throw new MssqlDsnError(`SQL Server DSN: the ${what} is not valid percent-encoding`);
  }
}

function fromUrl(dsn: string): MssqlConfig {
  let url: URL;
  try {
    url = new URL(dsn);
  } catch {
    throw new MssqlDsnError("SQL Server DSN: not a valid URL (expected mssql://user:password@host:port/database)");
  }
  for (const key of url.searchParams.keys()) {
    if (!URL_PARAMS.has(key)) {
      throw new MssqlDsnError(`SQL Server DSN: unknown parameter ${key} (known: ${[...URL_PARAMS].join(", ")})`);
    }
  }
  if (!url.hostname) throw new MssqlDsnError("SQL Server DSN: the host is missing");
  const database = decode(url.pathname.replace(/^\//, ""), "database name");
  if (database.includes("/")) throw new MssqlDsnError(`SQL Server DSN: "${database}" is not a database name`);
  const instanceName = url.searchParams.get("instanceName") ?? undefined;
  if (instanceName !== undefined && url.port) {
    throw new MssqlDsnError("SQL Server DSN: give either a port or instanceName, not both");
  }
  const options: NonNullable<MssqlConfig["options"]> = {};
  const encrypt = flag(url, "encrypt");
  const trust = flag(url, "trustServerCertificate");
  if (encrypt !== undefined) options.encrypt = encrypt;
  if (trust !== undefined) options.trustServerCertificate = trust;
  if (instanceName !== undefined) options.instanceName = instanceName;
  const config: MssqlConfig = { server: url.hostname.replace(/^\[(.*)\]$/, "$1"), options };
  if (url.port) config.port = Number(url.port);
  if (url.username) config.user = decode(url.username, "user name");
  if (url.password) config.password = decode(url.password, "password");
  if (database) config.database = database;
  const connectTimeout = milliseconds(url, "connectTimeoutMs");
  const requestTimeout = milliseconds(url, "requestTimeoutMs");
  if (connectTimeout !== undefined) config.connectionTimeout = connectTimeout;
  if (requestTimeout !== undefined) config.requestTimeout = requestTimeout;
  return config;
}

function fromAdo(dsn: string): MssqlConfig {
  let parsed: ReturnType<typeof mssql.ConnectionPool.parseConnectionString>;
  try {
    parsed = mssql.ConnectionPool.parseConnectionString(dsn);
  } catch (err) {
    throw new MssqlDsnError(`SQL Server DSN: ${err instanceof Error ? err.message : String(err)}`);
  }
  if (!parsed.server) throw new MssqlDsnError("SQL Server DSN: Server= (or Data Source=) is missing");
  // Pool sizing is ours (maxConn); drop whatever the string said.
  const { pool: _ignored, ...config } = parsed;
  return config;
}

/**
 * Parse a DSN into an mssql config (no pool settings). Every connection runs with
 * XACT_ABORT ON: any error inside a transaction rolls all of it back, so a failed or
 * timed-out append can never leave half a batch or a held head lock behind.
 */
export function parseMssqlDsn(dsn: string): MssqlConfig {
  const trimmed = dsn.trim();
  if (trimmed === "") throw new MssqlDsnError("SQL Server DSN is empty");
  const config = /^(mssql|sqlserver):\/\//i.test(trimmed) ? fromUrl(trimmed) : fromAdo(trimmed);
  return { ...config, options: { ...config.options, abortTransactionOnError: true } };
}

/** The same server and credentials, another database (test fixtures create their own). */
export function withDatabase(config: MssqlConfig, database: string): MssqlConfig {
  return { ...config, database };
}
