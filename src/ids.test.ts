import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { randomAlphanumeric, timeOrderedUuid } from "./ids.js";

describe("ids", () => {
  it("time-ordered uuids are v7, unique, and sort in creation order", async () => {
    const first = Array.from({ length: 5000 }, timeOrderedUuid);
    await new Promise((r) => setTimeout(r, 3));
    const later = timeOrderedUuid();
    for (const id of first) assert.match(id, /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    assert.equal(new Set(first).size, first.length);
    assert.ok(first.every((id) => id < later), "an id made milliseconds later sorts after all earlier ones");
    // 5,000 ids take a few milliseconds: many share one, and they still sort in the order they were made.
    assert.ok(first.every((id, i) => i === 0 || first[i - 1]! < id), "ids of one millisecond sort in creation order");
    // The first 48 bits are the creation time in ms.
    const ms = Number.parseInt(later.replace(/-/g, "").slice(0, 12), 16);
    assert.ok(Math.abs(ms - Date.now()) < 1000);
  });

  it("request ids are 32 alphanumerics drawing on every character", () => {
    const seen = new Set<string>();
    const ids = Array.from({ length: 2000 }, () => randomAlphanumeric(32));
    for (const id of ids) {
      assert.match(id, /^[A-Za-z0-9]{32}$/);
      for (const c of id) seen.add(c);
    }
    assert.equal(new Set(ids).size, ids.length);
    assert.equal(seen.size, 62);
  });
});
