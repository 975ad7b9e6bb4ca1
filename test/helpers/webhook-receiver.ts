/** A callback endpoint on 127.0.0.1 that records what Starling POSTs, and can answer with chosen statuses. */
import { createServer, type IncomingHttpHeaders } from "node:http";

export interface ReceivedHook {
  headers: IncomingHttpHeaders;
  raw: string;
  body: any;
}

export async function startWebhookReceiver(statuses: number[] = []) {
  const received: ReceivedHook[] = [];
  const queue = [...statuses];
  const server = createServer((req, res) => {
    let raw = "";
    req.on("data", (chunk) => {
      raw += chunk;
    });
    req.on("end", () => {
      received.push({ headers: req.headers, raw, body: JSON.parse(raw) });
      res.writeHead(queue.shift() ?? 200).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}/hook`,
    received,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** Polls until `check` returns a value or the time is up. */
export async function eventually<T>(check: () => Promise<T | undefined> | T | undefined, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 50));
  }
}
