import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Lines } from "./lines.js";

describe("Lines", () => {
  it("lets at most max calls hold a line; the next waits and gets the line released first", async () => {
    const lines = new Lines(2);
    const a = await lines.acquire();
    const b = await lines.acquire();
    const order: string[] = [];
    const c = lines.acquire().then((release) => {
      order.push("c");
      return release;
    });
    const d = lines.acquire().then((release) => {
      order.push("d");
      return release;
    });
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(order, [], "both wait while two calls are up");
    assert.equal(lines.inUse, 2);
    a();
    a(); // releasing twice frees one line only
    const releaseC = await c;
    assert.deepEqual(order, ["c"]);
    assert.equal(lines.inUse, 2);
    b();
    const releaseD = await d;
    releaseC();
    releaseD();
    assert.equal(lines.inUse, 0);
  });
});
