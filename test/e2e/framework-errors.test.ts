/**
 * Errors raised by the HTTP framework itself (a URL it cannot decode, a parameter too long, a body it cannot
 * parse, an unknown path or method) go out in the dialect's own shape, with the request id header, never as
 * fastify's `{"code":"FST_ERR_…"}` body. No store is involved, so SQLite alone is enough.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { type HttpResult, http, startTestGateway, type TestGateway } from "../helpers/gateway.js";
import { storeTargets } from "../helpers/stores.js";

const REQUEST_ID = /^[A-Za-z0-9]{32}$/;

function assertLox24Problem(result: HttpResult, status: number, detail: RegExp) {
  assert.equal(result.status, status, result.text);
  assert.match(result.headers.get("x-lox24-request-id") ?? "", REQUEST_ID, "request id header");
  assert.match(result.headers.get("content-type") ?? "", /^application\/(problem\+json|ld\+json)/);
  assert.doesNotMatch(result.text, /FST_ERR|statusCode/);
  assert.equal(result.body.title, "An error occurred");
  assert.match(result.body.detail, detail);
}

function assertFullsms(result: HttpResult, status: number, message: RegExp) {
  assert.equal(result.status, status, result.text);
  assert.match(result.headers.get("x-lox24-request-id") ?? "", REQUEST_ID, "request id header");
  assert.match(result.headers.get("content-type") ?? "", /^application\/json/);
  assert.doesNotMatch(result.text, /FST_ERR|statusCode/);
  assert.equal(result.body.status_code, status);
  assert.match(result.body.message, message);
}

describe("framework errors in the dialect's shape", () => {
  let gw: TestGateway;
  before(async () => {
    gw = await startTestGateway(storeTargets[0]!);
  });
  after(() => gw.stop());

  const lox24 = (method: string, path: string, options: Parameters<typeof http>[3] = {}) =>
    http(gw.url, method, path, {
      ...options,
      headers: { "X-LOX24-AUTH-TOKEN": gw.token, ...options.headers },
    });
  const fullsms = (method: string, path: string, options: Parameters<typeof http>[3] = {}) =>
    http(gw.url, method, path, {
      ...options,
      headers: { Authorization: `Bearer ${gw.token}`, ...options.headers },
    });

  it("LOX24: invalid percent-encoding in the path is a 400 problem with a request id", async () => {
    assertLox24Problem(await lox24("GET", "/sms/%ff"), 400, /not a valid URL/);
    assertLox24Problem(await lox24("GET", "/me%ff"), 400, /not a valid URL/);
    const ld = await lox24("GET", "/sms/%ff", { headers: { Accept: "application/ld+json" } });
    assert.equal(ld.body["@type"], "hydra:Error");
    assert.match(ld.headers.get("x-lox24-request-id") ?? "", REQUEST_ID);
  });

  it("LOX24: a path parameter over the length limit is a problem too", async () => {
    assertLox24Problem(await lox24("GET", `/sms/${"a".repeat(300)}`), 414, /too long/);
  });

  it("LOX24: bodies the framework cannot read", async () => {
    assertLox24Problem(
      await lox24("POST", "/sms", { rawBody: "{nope", headers: { "content-type": "application/json" } }),
      400,
      /^Syntax error/,
    );
    const empty = await lox24("POST", "/sms", {
      rawBody: "",
      headers: { "content-type": "application/json" },
    });
    assert.equal(empty.status, 400);
    assert.equal(empty.body.title, "An error occurred");
    assert.match(empty.headers.get("x-lox24-request-id") ?? "", REQUEST_ID);
    assertLox24Problem(
      await lox24("POST", "/sms", { rawBody: "<sms/>", headers: { "content-type": "application/xml" } }),
      415,
      /content-type/,
    );
  });

  it("LOX24: an unknown path is 404 and a known path with another method 405 with Allow", async () => {
    assertLox24Problem(await lox24("GET", "/nowhere"), 404, /Resource not found/);
    const put = await lox24("PUT", "/sms");
    assertLox24Problem(put, 405, /Method Not Allowed/);
    assert.match(put.headers.get("allow") ?? "", /GET.*POST|POST.*GET/);
    const patch = await lox24("PATCH", "/sms/0190d1a2-0000-7000-8000-000000000000");
    assertLox24Problem(patch, 405, /Method Not Allowed/);
    assert.match(patch.headers.get("allow") ?? "", /DELETE/);
  });

  it("FullSMS: invalid percent-encoding, unknown paths and methods in FullSMS's shape", async () => {
    assertFullsms(await fullsms("GET", "/account/balance%ff"), 400, /not a valid URL/);
    assertFullsms(await fullsms("GET", "/account/nowhere"), 404, /Not Found/);
    const put = await fullsms("PUT", "/account/balance");
    assertFullsms(put, 405, /The PUT method is not supported/);
    assert.match(put.headers.get("allow") ?? "", /GET/);
  });

  it("FullSMS: an unreadable body is its 422 validation answer, with a request id", async () => {
    const bad = await fullsms("POST", "/messages/send/to_numbers", {
      rawBody: "{nope",
      headers: { "content-type": "application/json" },
    });
    assert.equal(bad.status, 422, bad.text);
    assert.match(bad.headers.get("x-lox24-request-id") ?? "", REQUEST_ID);
    assert.ok(bad.body.errors.body);
  });
});
