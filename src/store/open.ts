import type { Store } from "./ports/index.js";
import type { StoreOptions } from "./sql/index.js";

export type { StoreOptions };

/** Chooses the adapter from the database URL: `sqlite:PATH` (or a bare path) or `postgres://…`. */
export async function openStore(url: string, options: StoreOptions = {}): Promise<Store> {
  if (/^postgres(ql)?:\/\//.test(url)) {
    const { openPostgresStore } = await import("./postgres/index.js");
    return openPostgresStore(url, undefined, options);
  }
  const { openSqliteStore } = await import("./sqlite/index.js");
  return openSqliteStore(url.replace(/^sqlite:(\/\/)?/, ""), options);
}
