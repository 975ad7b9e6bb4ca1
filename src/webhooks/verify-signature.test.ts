import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { describe, it } from "node:test";
import { sign } from "./signature.js";
import { verifyStarlingSignature } from "./verify-signature.js";

const secret = "whsec-test-secret";
const body = '{"id":"e1","name":"sms.delivery","data":{"dlr_code":1}}';
const now = 1_700_000_000;
const good = sign(secret, now, body);
const goodMac = good.split("v1=")[1]!;

/** The README's snippet, run as a receiver would run it. */
function readmeSnippet(): (secret: string, header: unknown, rawBody: string | Buffer, nowSeconds?: number) => boolean {
  const readme = readFileSync(new URL("../../README.md", import.meta.url), "utf8");
  const section = readme.slice(readme.indexOf("**Verifying a webhook.**"));
  const code = /```js\n([\s\S]*?)```/.exec(section)?.[1];
  assert.ok(code, "the README has the snippet");
  return new Function("require", `${code}\nreturn verifyStarlingSignature;`)(createRequire(import.meta.url));
}

const hostile: unknown[] = [
  undefined,
  null,
  42,
  ["t=1", "v1=ab"],
  "",
  "garbage",
  "t",
  "t=",
  "v1=",
  "=,=,==",
  `t=${now}`,
  `v1=${goodMac}`,
  `t=${now},v1=ab`, // a short v1: timingSafeEqual throws on buffers of different length
  `t=${now},v1=${goodMac}00`,
  `t=${now},v1=${"zz".repeat(32)}`,
  `t=${now},v1`,
  `t=abc,v1=${goodMac}`,
  `t=${now}.5,v1=${goodMac}`,
  `t=-${now},v1=${goodMac}`,
  `t=${"9".repeat(400)},v1=${goodMac}`,
  `__proto__=x,t=${now},v1=${goodMac.slice(2)}`,
  `t=${now},v1=${goodMac.toUpperCase().replace(/^./, "0")}`,
  `${"t=1,".repeat(10_000)}v1=${goodMac}`,
];

describe("webhook signature verification", () => {
  for (const [name, check] of [
    ["verifyStarlingSignature", (h: unknown, b: string | Buffer, n: number) => verifyStarlingSignature(secret, h, b, { nowSeconds: n })],
    ["the README snippet", (h: unknown, b: string | Buffer, n: number) => readmeSnippet()(secret, h, b, n)],
  ] as const) {
    it(`${name}: answers false, never throws, for any malformed header`, () => {
      for (const header of hostile) {
        assert.doesNotThrow(() => check(header, body, now), `header ${String(header).slice(0, 80)}`);
        assert.equal(check(header, body, now), false, `header ${String(header).slice(0, 80)}`);
      }
    });

    it(`${name}: accepts a good signature (also as a Buffer body, among several v1, with spaces)`, () => {
      assert.equal(check(good, body, now), true);
      assert.equal(check(good, Buffer.from(body), now + 299), true);
      assert.equal(check(`t=${now}, v1=${"0".repeat(64)}, v1=${goodMac}`, body, now), true);
      assert.equal(check(good, `${body} `, now), false, "another body");
      assert.equal(check(good, body, now + 301), false, "too old");
      assert.equal(check(good, body, now - 301), false, "too far ahead");
    });
  }

  it("refuses another secret and an empty one", () => {
    assert.equal(verifyStarlingSignature("other", good, body, { nowSeconds: now }), false);
    assert.equal(verifyStarlingSignature("", sign("", now, body), body, { nowSeconds: now }), false);
  });
});
