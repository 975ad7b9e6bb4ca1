import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { findUrls, hasUrl, replaceUrls } from "./urls.js";

describe("findUrls", () => {
  it("finds http(s) and www. links, without trailing punctuation", () => {
    const text = "Sale at https://shop.example.com/a?b=1&c=2. Also (www.example.de/x), http://x.io!";
    assert.deepEqual(
      findUrls(text).map((u) => [u.text, u.target]),
      [
        ["https://shop.example.com/a?b=1&c=2", "https://shop.example.com/a?b=1&c=2"],
        ["www.example.de/x", "https://www.example.de/x"],
        ["http://x.io", "http://x.io"],
      ],
    );
  });

  it("does not see links where there are none", () => {
    for (const text of ["Hello World", "Mr.Smith e.g. 3.50", "http:// nothing", "www. nothing", "email me at a@b.com"]) {
      assert.equal(hasUrl(text), false, text);
    }
  });

  it("replaces each link in place", () => {
    const text = "Go https://a.example/c now, or www.d.example!";
    assert.equal(replaceUrls(text, findUrls(text), (_u, i) => `<${i}>`), "Go <0> now, or <1>!");
  });
});
