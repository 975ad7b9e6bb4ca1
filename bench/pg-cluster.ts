/**
 * A throwaway PostgreSQL cluster for benchmarks, durable like the SQLite store (fsync and
 * synchronous_commit on, PostgreSQL's defaults otherwise), and the CPU it uses: every process of the
 * cluster (postmaster, backends, WAL writer, checkpointer …), read from /proc.
 */
import { readdirSync, readFileSync } from "node:fs";
import pg from "pg";
import { createDatabaseIn, startPostgresCluster, type Cluster } from "../test/helpers/postgres.js";
import { cpuSeconds, cpuSecondsWithReapedChildren } from "./cpu.js";

export interface BenchCluster {
  cluster: Cluster;
  /** A new database; `statements` loads pg_stat_statements into it. */
  database(): Promise<string>;
  /** CPU seconds used so far by the cluster's processes, live and exited. */
  cpuSeconds(): number;
  /** The same, by kind of process (backends, autovacuum, WAL writer …; "exited" for reaped ones). */
  cpuByKind(): Map<string, number>;
}

export async function startBenchCluster(options: { statements?: boolean } = {}): Promise<BenchCluster> {
  const cluster = await startPostgresCluster([
    "max_connections=200",
    "fsync=on",
    "synchronous_commit=on",
    ...(options.statements
      ? ["shared_preload_libraries=pg_stat_statements", "pg_stat_statements.track=all"]
      : []),
  ]);
  const postmaster = cluster.process.pid ?? 0;
  return {
    cluster,
    async database() {
      const url = await createDatabaseIn(cluster);
      if (options.statements) await query(url, "CREATE EXTENSION IF NOT EXISTS pg_stat_statements");
      return url;
    },
    cpuSeconds: () => clusterCpuSeconds(postmaster),
    cpuByKind: () => clusterCpuByKind(postmaster),
  };
}

/**
 * The postmaster's own CPU and its exited (reaped) children's (fields cutime/cstime), plus each live
 * child's: backends come and go with the pools' connections, and none of their CPU is lost either way.
 */
export function clusterCpuSeconds(postmaster: number): number {
  let total = cpuSecondsWithReapedChildren(postmaster);
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    if (parentOf(Number(entry)) === postmaster) total += cpuSeconds(Number(entry));
  }
  return total;
}

/** What a cluster process is, from the title PostgreSQL gives it ("postgres: walwriter", "postgres: USER DB HOST state"). */
function kindOf(pid: number): string {
  try {
    const title = readFileSync(`/proc/${pid}/cmdline`, "utf8").replace(/\0/g, " ").trim();
    const m =
      /^postgres: (autovacuum|walwriter|checkpointer|background writer|logical replication|archiver)/.exec(
        title,
      );
    return m ? m[1]! : /^postgres: \S+ \S+ \S+/.test(title) ? "backends" : "other";
  } catch {
    return "other";
  }
}

export function clusterCpuByKind(postmaster: number): Map<string, number> {
  const byKind = new Map<string, number>([["postmaster + exited", cpuSecondsWithReapedChildren(postmaster)]]);
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry) || parentOf(Number(entry)) !== postmaster) continue;
    const kind = kindOf(Number(entry));
    byKind.set(kind, (byKind.get(kind) ?? 0) + cpuSeconds(Number(entry)));
  }
  return byKind;
}

function parentOf(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
  } catch {
    return undefined;
  }
}

/** One statement on a short-lived connection (set-up and counters, not the measured path). */
export async function query<R extends Record<string, unknown>>(url: string, text: string): Promise<R[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(text)).rows as R[];
  } finally {
    await client.end();
  }
}
