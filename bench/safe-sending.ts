/**
 * What the safe-sending checks cost per request, in µs of this process's CPU: the use cases run in process
 * over a durable SQLite file (as the gateway runs them, without HTTP), alternately without and with the
 * rules, in the same run. Rows: a single send (geo + velocity), an OTP create (+ the conversion guard's
 * count query), and a single send with an Idempotency-Key (claim + stored answer).
 *
 *   npx tsx bench/safe-sending.ts [--requests 2000] [--rounds 3] [--concurrency 50]
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { pino } from "pino";
import { CounterRegistry } from "../src/app/counters.js";
import { type AppDeps, systemClock } from "../src/app/deps.js";
import { FraudEvents } from "../src/app/fraud/events.js";
import { FraudGuard } from "../src/app/fraud/guard.js";
import { beginKey, finishKey, fingerprintOf } from "../src/app/idempotency.js";
import { createAccount } from "../src/app/manage-accounts.js";
import { createOtp } from "../src/app/otp/create-otp.js";
import { setOtpLimits } from "../src/app/otp/settings.js";
import { sendMessage } from "../src/app/send-message.js";
import { configSchema } from "../src/config.js";
import { openStore } from "../src/store/open.js";
import type { AccountProfile } from "../src/store/ports/index.js";

const { values } = parseArgs({
  options: {
    requests: { type: "string", default: "2000" },
    rounds: { type: "string", default: "3" },
    concurrency: { type: "string", default: "50" },
  },
});
const REQUESTS = Number(values.requests);
const ROUNDS = Number(values.rounds);
const CONCURRENCY = Number(values.concurrency);

const dir = mkdtempSync(join(tmpdir(), "starling-bench-safe-"));
const store = await openStore(`sqlite:${join(dir, "bench.db")}`);
const plain: AppDeps = { store, clock: systemClock, pricing: { defaultPricePerPartMicros: 70_000 } };
// The shipped rules, thresholds out of reach so every request passes every check (their cost is measured).
const policy = {
  ...configSchema.parse({}).fraud,
  velocity: {
    prefixDigits: 5,
    account: { limit: 1e9, windowSeconds: 60 },
    prefix: { limit: 1e9, windowSeconds: 60 },
  },
  otpGuard: { windowSeconds: 3600, minVolume: 1e9, minConversion: 0.2, action: "refuse" as const },
};
const counters = new CounterRegistry();
const events = new FraudEvents(store.fraud, counters, pino({ level: "silent" }));
const guarded: AppDeps = {
  ...plain,
  counters,
  fraud: new FraudGuard(policy, store, systemClock, events),
  idempotency: { windowMs: 86_400_000, inFlightWaitMs: 2000, abandonedAfterMs: 60_000 },
};

const account: AccountProfile = await createAccount(plain, {
  name: "bench",
  country: "DE",
  balance: 1_000_000,
});

let seq = 0;
const phone = () => `+49151${String(10_000_000 + (seq++ % 89_999_999)).padStart(8, "0")}`;

async function load(task: (i: number) => Promise<unknown>): Promise<number> {
  let next = 0;
  const start = process.cpuUsage();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < REQUESTS) await task(next++);
    }),
  );
  const used = process.cpuUsage(start);
  return (used.user + used.system) / REQUESTS;
}

const send = (deps: AppDeps) => () =>
  sendMessage(deps, {
    account,
    keyId: null,
    text: "Your code is ready",
    senderId: "Starling",
    phone: phone(),
  });
/**
 * Each OTP round gets a fresh account: creating an OTP counts the account's active ones, which would
 * otherwise grow from round to round and hide the guard's cost in the table's growth.
 */
let sender = 0;
const otp = (deps: AppDeps) => {
  let owner: Promise<AccountProfile> | undefined;
  return async () => {
    owner ??= (async () => {
      const a = await createAccount(plain, { name: "otp", country: "DE", balance: 1_000_000 });
      await setOtpLimits(plain, a.id, { maxActive: 1_000_000_000 });
      await store.fullsms.numbers.add(a.id, String(491700000001 + sender++), "DE", Date.now());
      return a;
    })();
    const a = await owner;
    const from = (await store.fullsms.numbers.list(a.id))[0]!.number;
    return createOtp(deps, { account: a, keyId: null, toNumber: phone(), from, brand: "Shop", ip: null });
  };
};
const idempotentSend = (deps: AppDeps) => async () => {
  const req = { account, keyId: null, text: "Your code is ready", senderId: "Starling", phone: phone() };
  const key = `k-${seq}-${Math.random()}`;
  const begun = await beginKey(deps, account.id, key, fingerprintOf("POST /sms", req.phone));
  if (begun.kind !== "first") throw new Error("unexpected replay");
  const message = await sendMessage(deps, req);
  await finishKey(deps, account.id, key, {
    status: 201,
    contentType: "application/json",
    body: JSON.stringify(message),
  });
};

type Task = () => Promise<unknown>;
/** Each row: a name and factories of the task without and with the checks (called once per load). */
const rows: [string, () => Task, () => Task][] = [
  ["single send: geo + velocity", () => send(plain), () => send(guarded)],
  ["OTP create: + geo + velocity + conversion guard", () => otp(plain), () => otp(guarded)],
  ["single send with Idempotency-Key (+ geo + velocity)", () => send(plain), () => idempotentSend(guarded)],
];

// Warm-up: JIT, statement cache, page cache.
for (const [, without, withChecks] of rows) {
  await load(without());
  await load(withChecks());
}

const results = rows.map(([name]) => ({ name, without: [] as number[], with: [] as number[] }));
for (let round = 0; round < ROUNDS; round++) {
  for (const [i, [, without, withChecks]] of rows.entries()) {
    results[i]!.without.push(await load(without()));
    results[i]!.with.push(await load(withChecks()));
  }
}
// The geo and velocity checks alone, without the send around them: too small to see beside a send's cost.
const probe = await sendMessage(plain, {
  account,
  keyId: null,
  text: "probe",
  senderId: "Starling",
  phone: phone(),
});
const guard = guarded.fraud!;
const CALLS = 100_000;
const alone = process.cpuUsage();
for (let i = 0; i < CALLS; i++) {
  const message = { ...probe, phone: `+49151${String(10_000_000 + (i % 1000))}` };
  await guard.countryPermitted(account, message.phone, message.iso2);
  await guard.admit(account.id, [message]);
}
const aloneUsed = process.cpuUsage(alone);
const checksAlone = (aloneUsed.user + aloneUsed.system) / CALLS;

await events.stop();
await store.close();

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const fmt = (xs: number[]) => xs.map((x) => x.toFixed(0)).join(" / ");
console.log(
  `\n${REQUESTS} requests × ${ROUNDS} rounds, ${CONCURRENCY} concurrent, durable SQLite; CPU µs per request`,
);
console.log("| use case | without (rounds) | with (rounds) | checks, median µs | ratio with / without |");
console.log("|---|---:|---:|---:|---:|");
for (const r of results) {
  const extra = median(r.with) - median(r.without);
  console.log(
    `| ${r.name} | ${fmt(r.without)} | ${fmt(r.with)} | ${extra.toFixed(0)} | ${(median(r.with) / median(r.without)).toFixed(2)} |`,
  );
}
console.log(
  `\ngeo + velocity checks alone (${CALLS} calls, one account and prefix): ${checksAlone.toFixed(2)} µs per message`,
);
