// Node 20 does not hand the parent's `--import tsx` loader hooks to worker threads (nodejs/node#47747,
// privatenumber/tsx#354), so the worker registers tsx itself before loading its TypeScript entry.
import { register } from "tsx/esm/api";

register();
await import("./sender-thread.ts");
