import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { outcomeOfStatus } from "./outcome.js";

const rang = { heardFromFarEnd: true, cancelled: false };
const silent = { heardFromFarEnd: false, cancelled: false };

describe("outcomeOfStatus", () => {
  it("maps the final responses the issue names", () => {
    assert.equal(outcomeOfStatus(486, rang), "busy");
    assert.equal(outcomeOfStatus(480, rang), "no_answer");
    assert.equal(outcomeOfStatus(408, rang), "no_answer");
    assert.equal(outcomeOfStatus(404, silent), "invalid_number");
    assert.equal(outcomeOfStatus(484, silent), "invalid_number");
    assert.equal(outcomeOfStatus(503, silent), "trunk_down");
  });
  it("tells a trunk that never answered from a phone that rang out", () => {
    assert.equal(outcomeOfStatus(408, silent), "trunk_down");
    assert.equal(outcomeOfStatus(487, { heardFromFarEnd: true, cancelled: true }), "no_answer");
  });
  it("treats a refused challenge as the trunk's problem and other refusals as final", () => {
    assert.equal(outcomeOfStatus(401, silent), "trunk_down");
    assert.equal(outcomeOfStatus(407, silent), "trunk_down");
    assert.equal(outcomeOfStatus(603, rang), "busy");
    assert.equal(outcomeOfStatus(403, silent), "rejected");
    assert.equal(outcomeOfStatus(488, silent), "rejected");
  });
});
