import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { CredentialCache } from "./credential-cache.js";

const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

describe("CredentialCache", () => {
  it("serves what it was given until another connection commits (seen from the next turn)", async () => {
    let version = 1;
    const cache = new CredentialCache<string>(() => version);
    cache.set(7, "key 7", cache.stamp());
    assert.equal(cache.get(7), "key 7");
    version = 2;
    await nextTurn();
    assert.equal(cache.get(7), undefined);
  });

  it("reads the version once per turn for lookups, every time for what it stores", async () => {
    let reads = 0;
    const cache = new CredentialCache<string>(() => {
      reads++;
      return 1;
    });
    cache.set(7, "key 7", cache.stamp());
    const afterStoring = reads;
    assert.equal(afterStoring, 2); // stamp and set each look
    for (let i = 0; i < 5; i++) assert.equal(cache.get(7), "key 7");
    assert.equal(reads, afterStoring); // this turn already looked
    await nextTurn();
    assert.equal(cache.get(7), "key 7");
    assert.equal(cache.get(7), "key 7");
    assert.equal(reads, afterStoring + 1);
  });

  it("drops a read that a change overtook, from this process or another", () => {
    let version = 1;
    const cache = new CredentialCache<string>(() => version);
    const beforeOwnChange = cache.stamp();
    cache.invalidate();
    cache.set(7, "read before the revoke", beforeOwnChange);
    assert.equal(cache.get(7), undefined);
    const beforeOtherChange = cache.stamp();
    version = 2;
    cache.set(7, "read before the CLI's commit", beforeOtherChange);
    assert.equal(cache.get(7), undefined);
  });

  it("keeps nothing when the version cannot be read", () => {
    const cache = new CredentialCache<string>(() => {
      throw new TypeError("This database connection is busy executing a query");
    });
    cache.set(7, "key 7", cache.stamp());
    assert.equal(cache.get(7), undefined);
    const nan = new CredentialCache<string>(() => Number.NaN);
    nan.set(7, "key 7", nan.stamp());
    assert.equal(nan.get(7), undefined);
  });
});
