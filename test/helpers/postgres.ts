/**
 * A throwaway PostgreSQL cluster for tests: initdb in a temp folder, a server on 127.0.0.1 on a free
 * port, one fresh database per call. When the server binaries are not installed, `postgresAvailable()`
 * is false and PostgreSQL tests report themselves skipped.
 */
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";

function findBinDir(): string | undefined {
  if (process.env.STARLING_PG_BIN) return process.env.STARLING_PG_BIN;
  const root = "/usr/lib/postgresql";
  if (!existsSync(root)) return undefined;
  const versions = readdirSync(root).sort((a, b) => Number(b) - Number(a));
  for (const v of versions) {
    const bin = join(root, v, "bin");
    if (existsSync(join(bin, "initdb")) && existsSync(join(bin, "postgres"))) return bin;
  }
  return undefined;
}

const binDir = findBinDir();
export const postgresAvailable = () => binDir !== undefined;
export const skipWithoutPostgres = binDir ? false : "PostgreSQL server binaries not installed (see .ci/run)";

/** PostgreSQL refuses to run as root: run it as the `postgres` system user when we are root. */
function runAs(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const line = readFileSync("/etc/passwd", "utf8")
    .split("\n")
    .find((l) => l.startsWith("postgres:"));
  if (!line) throw new Error("running as root but there is no postgres user to run the server as");
  const [, , uid, gid] = line.split(":");
  return { uid: Number(uid), gid: Number(gid) };
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() =>
        typeof address === "object" && address ? resolve(address.port) : reject(new Error("no port")),
      );
    });
  });
}

export interface Cluster {
  port: number;
  process: ChildProcess;
  dir: string;
}

let cluster: Promise<Cluster> | undefined;
let databases = 0;

/** Tests run without fsync: they test behaviour, not durability, and the disk is shared. */
const TEST_SETTINGS = ["fsync=off", "max_connections=200"];

/**
 * Starts a cluster of its own in a temp folder with `settings` (`name=value`, as `postgres -c` takes
 * them); it is stopped and removed when this process exits. Benchmarks start a durable one this way.
 */
export async function startPostgresCluster(settings: readonly string[] = TEST_SETTINGS): Promise<Cluster> {
  if (!binDir) throw new Error("PostgreSQL is not installed");
  const dir = mkdtempSync(join(tmpdir(), "starling-pg-"));
  const user = runAs();
  if (user) chownSync(dir, user.uid, user.gid);
  const data = join(dir, "data");
  execFileSync(
    join(binDir, "initdb"),
    ["-D", data, "-U", "postgres", "-A", "trust", "--no-sync", "-E", "UTF8"],
    {
      stdio: "ignore",
      ...(user ?? {}),
    },
  );
  const port = await freePort();
  const child = spawn(
    join(binDir, "postgres"),
    ["-D", data, "-p", String(port), "-h", "127.0.0.1", "-k", dir, ...settings.flatMap((s) => ["-c", s])],
    { stdio: "ignore", ...(user ?? {}) },
  );
  // The test process must be able to exit while the server runs; it is stopped on exit.
  child.unref();
  const cleanup = () => {
    child.kill("SIGINT");
    rmSync(dir, { recursive: true, force: true });
  };
  process.once("exit", cleanup);
  // Wait until it accepts connections.
  for (let i = 0; i < 200; i++) {
    const client = new pg.Client({ host: "127.0.0.1", port, user: "postgres", database: "postgres" });
    try {
      await client.connect();
      await client.end();
      return { port, process: child, dir };
    } catch {
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  cleanup();
  throw new Error("PostgreSQL did not start");
}

/** A new empty database in the shared throwaway cluster; returns its URL. */
export async function createTestDatabase(): Promise<string> {
  cluster ??= startPostgresCluster();
  return createDatabaseIn(await cluster);
}

/** A new empty database in `cluster`; returns its URL. */
export async function createDatabaseIn({ port }: Cluster): Promise<string> {
  const name = `starling_${process.pid}_${++databases}`;
  const admin = new pg.Client({ host: "127.0.0.1", port, user: "postgres", database: "postgres" });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  return `postgres://postgres@127.0.0.1:${port}/${name}`;
}

/** Waits until `n` statements of this database other than `sql`'s own wait for a row lock. */
export async function waitForLockWaiters(
  sql: { query(text: string): Promise<{ rows: { n: number }[] }> },
  n: number,
): Promise<void> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const { rows } = await sql.query(
      "SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'",
    );
    if (rows[0]!.n >= n) return;
    if (Date.now() > deadline)
      throw new Error(`expected ${n} statement(s) waiting for a lock, saw ${rows[0]!.n}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
