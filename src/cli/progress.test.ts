import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { formatCount, progressLine } from "./progress.js";

describe("progressLine", () => {
  it("redraws in place at most once per interval on a terminal, and ends the line", () => {
    let out = "";
    let t = 0;
    const line = progressLine({ isTTY: true, write: (s) => (out += s) }, 200, () => t);
    line.update("a"); // too soon after the start
    t = 199;
    line.update("b");
    t = 200;
    line.update("c");
    t = 250;
    line.update("d");
    t = 400;
    line.update("e");
    line.done("f");
    assert.equal(out, "\r\x1b[Kc\r\x1b[Ke\r\x1b[Kf\n");
  });

  it("writes nothing when the stream is not a terminal", () => {
    let out = "";
    const line = progressLine({ write: (s) => (out += s) }, 0);
    line.update("a");
    line.done("b");
    assert.equal(out, "");
  });

  it("groups thousands", () => {
    assert.equal(formatCount(1234567.4), "1,234,567");
  });
});
