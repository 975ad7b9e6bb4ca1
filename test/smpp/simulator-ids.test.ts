/** The simulator's message ids do not repeat across runs (a restarted demo must not reuse old ids). */
import assert from "node:assert/strict";
import { afterEach, describe, it } from "node:test";
import { closeAll, request, startPair } from "./helpers.js";

describe("simulator message ids", () => {
  afterEach(closeAll);

  const firstIdOf = async (options: { firstId?: number } = {}) => {
    const pair = await startPair(options);
    const result = await pair.connector.submit(request("hello"));
    await pair.close();
    assert.ok(result.ok);
    return result.smscIds[0]!;
  };

  it("a second run hands out ids the first did not", async () => {
    const first = await firstIdOf();
    await new Promise((resolve) => setTimeout(resolve, 2)); // runs start at least a millisecond apart
    const second = await firstIdOf();
    assert.notEqual(second, first);
  });

  it("repeats ids when told where to start (tests of repeating SMSC counters)", async () => {
    assert.equal(await firstIdOf({ firstId: 0x1a2b3c00 }), await firstIdOf({ firstId: 0x1a2b3c00 }));
  });
});
