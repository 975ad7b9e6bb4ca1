import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { isPretty, logOptions } from "./logging.js";

describe("log format", () => {
  it("pretty prints through pino-pretty when asked, or on a terminal in auto; JSON otherwise", () => {
    assert.deepEqual((logOptions("info", "pretty").transport as { target: string }).target, "pino-pretty");
    assert.equal(logOptions("info", "json").transport, undefined);
    assert.equal(logOptions("silent", "pretty").transport, undefined);
    assert.equal(isPretty("auto"), process.stdout.isTTY === true);
  });
});
