/**
 * Every request the server reads gets an HTTP status the client can read (issue 17 item 5, issue 11
 * item 4), tried with Node's own http client and with raw sockets; and a body-less DELETE or GET with a
 * JSON Content-Type is accepted.
 */
import assert from "node:assert/strict";
import http from "node:http";
import net from "node:net";
import { after, before, describe, it } from "node:test";
import { http as request, startTestGateway, type TestGateway } from "../helpers/gateway.js";
import { storeTargets } from "../helpers/stores.js";

const sqlite = storeTargets.find((t) => t.name === "sqlite")!;

interface RawResult {
  text: string;
  /** A reset or other socket error, if the connection ended in one. */
  error?: string;
}

/** Writes `payload` on a fresh connection and reads until the server closes it (or `waitMs`). */
function rawExchange(url: string, payload: string | Buffer, waitMs = 5000): Promise<RawResult> {
  const { port } = new URL(url);
  return new Promise((resolve) => {
    const socket = net.connect(Number(port), "127.0.0.1");
    const chunks: Buffer[] = [];
    let error: string | undefined;
    socket.on("data", (d) => chunks.push(d));
    socket.on("error", (e: NodeJS.ErrnoException) => {
      error = e.code ?? e.message;
    });
    socket.on("close", () => {
      clearTimeout(timer);
      resolve({ text: Buffer.concat(chunks).toString("latin1"), ...(error ? { error } : {}) });
    });
    const timer = setTimeout(() => socket.destroy(), waitMs);
    socket.write(payload);
  });
}

/** Status codes of the responses in a raw exchange, in order. */
const statuses = (text: string) => [...text.matchAll(/HTTP\/1\.1 (\d{3}) /g)].map((m) => Number(m[1]));

/** A POST with Node's http client: its status, or the error it got instead, and any error after it. */
function nodePost(url: string, path: string, headers: http.OutgoingHttpHeaders, body: Buffer | Buffer[], agent: http.Agent | false) {
  const { port } = new URL(url);
  return new Promise<{ status?: number; body?: string; error?: string; errorAfter?: string }>((resolve) => {
    const result: { status?: number; body?: string; error?: string; errorAfter?: string } = {};
    const req = http.request({ host: "127.0.0.1", port: Number(port), method: "POST", path, headers, agent }, (res) => {
      result.status = res.statusCode!;
      let text = "";
      res.setEncoding("utf8");
      res.on("data", (c) => {
        text += c;
      });
      // Wait a moment after the answer: an EPIPE or reset of the body still being written would come now.
      res.on("end", () => {
        result.body = text;
        setTimeout(() => resolve(result), 50);
      });
    });
    req.on("error", (e: NodeJS.ErrnoException) => {
      if (result.status === undefined) {
        result.error = e.code ?? e.message;
        resolve(result);
      } else result.errorAfter = e.code ?? e.message;
    });
    if (Array.isArray(body)) {
      for (const chunk of body) req.write(chunk);
      req.end();
    } else req.end(body);
  });
}

describe("answers every request it reads", () => {
  let gw: TestGateway;
  before(async () => {
    gw = await startTestGateway(sqlite);
  });
  after(() => gw.stop());

  it("Node's http client sees the 413 for a 5 MB body, with no EPIPE or reset, with and without keep-alive", async () => {
    const big = Buffer.alloc(5 * 1024 * 1024, 97);
    const headers = { "content-type": "application/json", "content-length": big.length, "X-LOX24-AUTH-TOKEN": gw.token };
    const keepAlive = new http.Agent({ keepAlive: true, maxSockets: 1 });
    try {
      const results = [];
      for (let i = 0; i < 12; i++) results.push(await nodePost(gw.url, "/sms", headers, big, i % 2 === 0 ? false : keepAlive));
      assert.deepEqual(
        results.map((r) => r.status ?? r.error),
        results.map(() => 413),
      );
      assert.deepEqual(
        results.flatMap((r) => (r.errorAfter ? [r.errorAfter] : [])),
        [],
        "no error after the answer either (an unhandled one would crash a client)",
      );
      assert.match(results[0]!.body!, /Request body is too large/);
    } finally {
      keepAlive.destroy();
    }
  });

  it("a chunked body (no Content-Length) over the limit gets its 413 too", async () => {
    const chunk = Buffer.alloc(256 * 1024, 98);
    const result = await nodePost(
      gw.url,
      "/sms",
      { "content-type": "application/json", "X-LOX24-AUTH-TOKEN": gw.token },
      Array.from({ length: 8 }, () => chunk),
      false,
    );
    assert.equal(result.status ?? result.error, 413);
    assert.equal(result.errorAfter, undefined);
  });

  it("answers the request before bytes sent after Connection: close, and ignores those bytes", async () => {
    const result = await rawExchange(
      gw.url,
      `GET /me HTTP/1.1\r\nHost: x\r\nConnection: close\r\nX-LOX24-AUTH-TOKEN: ${gw.token}\r\n\r\nGARBAGE AFTER CLOSE\r\n\r\n`,
    );
    assert.equal(result.error, undefined);
    assert.deepEqual(statuses(result.text), [200]);
    assert.match(result.text, /"balance_amount"/);
  });

  it("answers a request whose response is already sent when more bytes arrive, without a reset", async () => {
    // The answer goes out at once (401: no token), and 2 MB more follow: read and discarded, not reset.
    const result = await rawExchange(
      gw.url,
      Buffer.concat([Buffer.from("GET /me HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"), Buffer.alloc(2 * 1024 * 1024, 120)]),
    );
    assert.equal(result.error, undefined);
    assert.deepEqual(statuses(result.text), [401]);
  });

  it("answers a HEAD with a body, and then the next request on the connection", async () => {
    const head = `HEAD /me HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\nX-LOX24-AUTH-TOKEN: ${gw.token}\r\n\r\n0123456789`;
    const next = `GET /me HTTP/1.1\r\nHost: x\r\nConnection: close\r\nX-LOX24-AUTH-TOKEN: ${gw.token}\r\n\r\n`;
    const result = await rawExchange(gw.url, head + next);
    assert.equal(result.error, undefined);
    assert.deepEqual(statuses(result.text), [200, 200]);
  });

  it("answers the HEAD first and then a 400 when what follows it is not HTTP", async () => {
    const result = await rawExchange(
      gw.url,
      `HEAD /me HTTP/1.1\r\nHost: x\r\nX-LOX24-AUTH-TOKEN: ${gw.token}\r\n\r\nthis is not a request\r\n\r\n`,
    );
    assert.equal(result.error, undefined);
    assert.deepEqual(statuses(result.text), [200, 400]);
    assert.match(result.text, /application\/problem\+json/);
  });

  it("a request line that is not HTTP gets a readable 400", async () => {
    const result = await rawExchange(gw.url, Buffer.concat([Buffer.from("\x16\x03\x01 not http\r\n\r\n"), Buffer.alloc(100_000, 1)]));
    assert.equal(result.error, undefined);
    assert.deepEqual(statuses(result.text), [400]);
  });
});

for (const target of storeTargets) {
  describe(`body-less DELETE and GET with a JSON Content-Type (${target.name})`, { skip: target.skip }, () => {
    let gw: TestGateway;
    before(async () => {
      gw = await startTestGateway(target);
    });
    after(() => gw.stop());

    it("DELETE /sms/{uuid} with Content-Type: application/json and no body is authenticated and handled", async () => {
      const sent = await request(gw.url, "POST", "/sms", {
        body: { text: "later", sender_id: "Starling", phone: "+14155552671", delivery_at: Math.floor(Date.now() / 1000) + 3600 },
        headers: { "X-LOX24-AUTH-TOKEN": gw.token },
      });
      assert.equal(sent.status, 201);
      const path = `/sms/${sent.body.uuid}`;
      for (const length of [undefined, "0"]) {
        const extra = length === undefined ? "" : `Content-Length: ${length}\r\n`;
        const anonymous = await rawExchange(
          gw.url,
          `DELETE ${path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n${extra}Connection: close\r\n\r\n`,
        );
        assert.deepEqual(statuses(anonymous.text), [401], "authentication comes first");
      }
      const cancelled = await rawExchange(
        gw.url,
        `DELETE ${path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 0\r\nX-LOX24-AUTH-TOKEN: ${gw.token}\r\nConnection: close\r\n\r\n`,
      );
      assert.deepEqual(statuses(cancelled.text), [204]);
      const after = await request(gw.url, "GET", path, { headers: { "X-LOX24-AUTH-TOKEN": gw.token, "Content-Type": "application/json" } });
      assert.equal(after.status, 200);
    });

    it("a POST with an empty JSON body is still refused in the dialect's format", async () => {
      const empty = await request(gw.url, "POST", "/sms", {
        rawBody: "",
        headers: { "X-LOX24-AUTH-TOKEN": gw.token, "Content-Type": "application/json" },
      });
      assert.equal(empty.status, 400);
      assert.match(empty.text, /Body cannot be empty/);
    });
  });
}
