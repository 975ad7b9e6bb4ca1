import type { Store } from "./ports/index.js";

/** Chooses the adapter from the database URL: `sqlite:PATH` (or a bare path) or `postgres://…`. */
export async function openStore(url: string): Promise<Store> {
  if (/^postgres(ql)?:\/\//.test(url)) {
    const { openPostgresStore } = await import("./postgres/index.js");
    return openPostgresStore(url);
  }
  const { openSqliteStore } = await import("./sqlite/index.js");
  return openSqliteStore(url.replace(/^sqlite:(\/\/)?/, ""));
}
