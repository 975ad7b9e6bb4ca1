/**
 * CPU per webhook event on the main thread and on the sender thread (issue 12), without HTTP acceptance or
 * SMPP: messages are stored and claimed beforehand; the measured part records their submits and receipts
 * through the delivery writer in chunks of 50 (two `sms.delivery` events per message, as in the gateway) while
 * the webhook dispatcher posts them to a sink in another process, until every event is recorded delivered.
 * The same writes with no webhook registered give the writer's own cost, which is subtracted. Each build
 * (this checkout, and `--baseline DIR`, another checkout) runs in turn, alternating, on a fresh SQLite file.
 *
 *   npx tsx bench/webhook-cpu.ts [N=4000] [--rounds 3] [--baseline DIR]
 */
import { fork } from "node:child_process";
import { loadavg } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import type { Store } from "../src/store/ports/index.js";
import { storedMessage } from "../test/helpers/messages.js";
import { threadCpuSeconds } from "./cpu.js";
import { formatNumber, REPO, sleep, table, tempDir } from "./lib.js";

const { values: args, positionals } = parseArgs({
  allowPositionals: true,
  options: { rounds: { type: "string", default: "3" }, baseline: { type: "string" } },
});
const N = Number(positionals[0] ?? 4000);
const rounds = Number(args.rounds);

// The sink answers 204 in its own process, so its CPU is not counted here.
const sink = fork(join(REPO, "bench", "webhook-sink.mjs"));
const sinkPort = await new Promise<number>((done) => sink.once("message", (port) => done(port as number)));

interface Build {
  name: string;
  openStore: (url: string, options: object) => Promise<Store>;
  render: unknown;
  Dispatcher: new (deps: object, options: object) => { start(): void; stop(): Promise<void> };
}
async function load(name: string, repo: string): Promise<Build> {
  const src = (path: string) => import(join(resolve(repo), "src", path));
  return {
    name,
    openStore: (await src("store/open.ts")).openStore,
    render: (await src("api/lox24/webhook-events.ts")).renderLox24Webhook,
    Dispatcher: (await src("webhooks/dispatcher.ts")).WebhookDispatcher,
  };
}
const builds = [await load("this build", REPO)];
if (args.baseline) builds.push(await load("baseline", args.baseline));

const silent = { level: "silent" } as const;
const { pino } = await import("pino");
const clock = { now: () => Date.now() };

/** Main-thread and sender-thread CPU seconds for writing N messages' outcomes and receipts, posted or not. */
async function run(build: Build, withWebhook: boolean) {
  const store = await build.openStore(`sqlite:${join(tempDir("webhook-cpu"), "s.db")}`, {
    renderWebhook: build.render,
  });
  const account = await store.accounts.create(
    { name: "b", country: "DE", currency: "EUR", balanceMicros: 1e12, webhookSecret: "s".repeat(32) },
    Date.now(),
  );
  if (withWebhook) await store.webhooks.add(account.id, `http://127.0.0.1:${sinkPort}/hook`, Date.now());
  const messages = Array.from({ length: N }, () => storedMessage(account.id));
  for (let i = 0; i < N; i += 500) {
    const chunk = messages.slice(i, i + 500);
    await store.messages.accept({
      accountId: account.id,
      messages: chunk,
      totalMicros: 0,
      dueAt: chunk.map(() => 0),
      now: Date.now(),
    });
  }
  await store.delivery.claimDue("bench", Date.now(), N, 3_600_000);
  // The sender thread is the one thread the dispatcher starts (V8's and libuv's helpers exist already).
  const threadsBefore = new Set(threadCpuSeconds(process.pid).keys());
  const dispatcher = new build.Dispatcher(
    { store, clock, log: pino(silent) },
    { maxAttempts: 4, timeoutMs: 5000, baseDelayMs: 10_000 },
  );
  dispatcher.start();
  await sleep(2000); // the sender thread has started (loading tsx and undici costs CPU that is not per event)
  const before = threadCpuSeconds(process.pid);
  const started = Date.now();
  for (let i = 0; i < N; i += 50) {
    const chunk = messages.slice(i, i + 50);
    const at = Date.now();
    await store.delivery.record(
      chunk.map((m, j) => ({ kind: "submitted", message: m, connectorId: "c", smscIds: [`s${i + j}`], at })),
      at,
    );
    await store.delivery.applyReceipts(
      chunk.map((_, j) => ({ connectorId: "c", smscId: `s${i + j}`, state: "DELIVRD" as const })),
      Date.now(),
    );
  }
  while (withWebhook && ((await store.webhooks.counts()).delivered ?? 0) < 2 * N) await sleep(100);
  const seconds = (Date.now() - started) / 1000;
  const after = threadCpuSeconds(process.pid);
  const split = { main: 0, sender: 0, rest: 0 };
  for (const [tid, cpu] of after) {
    const used = cpu - (before.get(tid) ?? 0);
    if (tid === process.pid) split.main += used;
    else if (threadsBefore.has(tid)) split.rest += used;
    else split.sender += used;
  }
  await dispatcher.stop();
  await store.close();
  return { ...split, seconds };
}

const rows: (string | number)[][] = [];
const perEvent: Record<string, { main: number[]; sender: number[] }> = {};
for (let round = 1; round <= rounds; round++) {
  for (const build of round % 2 ? builds : [...builds].reverse()) {
    const bare = await run(build, false);
    const hooked = await run(build, true);
    const events = 2 * N;
    const main = ((hooked.main - bare.main) * 1e6) / events;
    const sender = (hooked.sender * 1e6) / events;
    const figures = perEvent[build.name] ?? { main: [], sender: [] };
    perEvent[build.name] = figures;
    figures.main.push(main);
    figures.sender.push(sender);
    rows.push([
      `${round} ${build.name}`,
      (bare.main * 1e6) / events,
      (hooked.main * 1e6) / events,
      main,
      sender,
      (hooked.rest * 1e6) / events,
      events / hooked.seconds,
      loadavg()[0]!,
    ]);
  }
}
process.stdout.write(
  `\n${N} messages (${2 * N} events) per run; µs of CPU per event\n\n${table(
    [
      "run",
      "main, no webhook",
      "main, webhooks",
      "main: webhooks' share",
      "sender thread",
      "other threads",
      "events/s",
      "load 1m",
    ],
    rows,
  )}\n`,
);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)]!;
for (const [name, v] of Object.entries(perEvent)) {
  process.stdout.write(
    `median ${name}: main thread ${formatNumber(median(v.main))} µs/event, sender thread ${formatNumber(median(v.sender))} µs/event\n`,
  );
}
sink.kill();
process.exit();
