/** The SMPP window's two lanes: transactional submits go first and have slots of their own. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { RequestWindow } from "./window.js";

/** Acquires and records the order in which callers are granted a slot. */
function recorder(window: RequestWindow) {
  const granted: string[] = [];
  const take = (name: string, urgent = false) =>
    window.acquire(urgent).then((ok) => {
      if (ok) granted.push(name);
      return ok;
    });
  const settle = () => new Promise((resolve) => setImmediate(resolve));
  return { granted, take, settle };
}

describe("SMPP window lanes", () => {
  it("keeps the reserved slots for transactional submits when bulk ones fill the window", async () => {
    const window = new RequestWindow(4, 1);
    const { granted, take, settle } = recorder(window);
    for (const name of ["b1", "b2", "b3", "b4"]) void take(name);
    await settle();
    assert.deepEqual(granted, ["b1", "b2", "b3"], "bulk stops short of the reserved slot");
    assert.equal(await take("otp", true), true, "the OTP gets the reserved slot at once");
    assert.deepEqual(granted, ["b1", "b2", "b3", "otp"]);
  });

  it("hands a freed slot to a waiting transactional submit before earlier bulk ones", async () => {
    const window = new RequestWindow(3, 1);
    const { granted, take, settle } = recorder(window);
    for (const name of ["b1", "b2", "b3", "b4"]) void take(name);
    void take("otp1", true);
    void take("otp2", true);
    await settle();
    assert.deepEqual(granted, ["b1", "b2", "otp1"], "b3 and b4 wait; otp1 took the reserved slot");
    window.release();
    await settle();
    assert.deepEqual(granted.at(-1), "otp2", "the next free slot went to the waiting OTP, not b3");
    window.release();
    await settle();
    assert.deepEqual(granted.at(-1), "otp2", "two in flight and one reserved: b3 still waits");
    window.release();
    await settle();
    assert.deepEqual(granted.slice(4), ["b3"]);
    assert.equal(window.inFlight, 2);
  });

  it("without a reserve, behaves as one FIFO window (the SMPP server's)", async () => {
    const window = new RequestWindow(2);
    const { granted, take, settle } = recorder(window);
    for (const name of ["a", "b", "c"]) void take(name);
    await settle();
    assert.deepEqual(granted, ["a", "b"]);
    window.release();
    await settle();
    assert.deepEqual(granted, ["a", "b", "c"]);
  });

  it("releases every waiter with false when the connection goes", async () => {
    const window = new RequestWindow(1);
    void window.acquire();
    const waiting = [window.acquire(), window.acquire(true)];
    window.rejectWaiting();
    assert.deepEqual(await Promise.all(waiting), [false, false]);
  });
});
