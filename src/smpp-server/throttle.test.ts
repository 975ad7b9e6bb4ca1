import assert from "node:assert/strict";
import { test } from "node:test";
import { AccountThrottle } from "./throttle.js";

test("an account gets its rate per second, refilled over time, each account apart", () => {
  let now = 1_000_000;
  const throttle = new AccountThrottle(3, () => now);
  assert.deepEqual(
    [1, 2, 3, 4].map(() => throttle.take(1)),
    [true, true, true, false],
  );
  assert.equal(throttle.take(2), true, "another account has its own bucket");
  now += 334; // one token back after a third of a second
  assert.equal(throttle.take(1), true);
  assert.equal(throttle.take(1), false);
});

test("rate 0 means no limit", () => {
  const throttle = new AccountThrottle(0);
  for (let i = 0; i < 1000; i++) assert.equal(throttle.take(1), true);
});
