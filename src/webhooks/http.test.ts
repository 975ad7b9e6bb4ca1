import assert from "node:assert/strict";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { after, describe, it } from "node:test";
import { WebhookClient } from "./http.js";
import { ThreadedWebhookClient, type WebhookPoster } from "./threaded-client.js";
import { UndiciWebhookClient } from "./undici-client.js";

async function serve(handler: (req: IncomingMessage, res: ServerResponse, body: string) => void) {
  const sockets = new Set<Socket>();
  const server: Server = createServer((req, res) => {
    let body = "";
    req.on("data", (c) => {
      body += c;
    });
    req.on("end", () => handler(req, res, body));
  });
  server.on("connection", (s) => sockets.add(s));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
  return {
    url,
    sockets,
    close: () => {
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

// The same behaviour in the event loop and from the sender thread.
for (const [name, make] of [
  ["in the event loop", () => new WebhookClient(4)],
  ["in the event loop (undici)", () => new UndiciWebhookClient(4)],
  ["on its own thread", () => new ThreadedWebhookClient(4)],
] as [string, () => WebhookPoster][])
  describe(`webhook HTTP client ${name}`, () => {
    const client = make();
    after(() => client.close());

    it("posts the body and headers and answers the status; a redirect is not followed", async () => {
      const seen: { headers: IncomingMessage["headers"]; body: string }[] = [];
      const server = await serve((req, res, body) => {
        seen.push({ headers: req.headers, body });
        if (req.url === "/moved") res.writeHead(302, { location: "/hook" }).end();
        else res.writeHead(204).end();
      });
      const body = JSON.stringify({ hello: "wörld" });
      assert.equal(await client.post(server.url, { "x-starling-signature": "t=1,v1=ab" }, body, 1000), 204);
      assert.equal(seen[0]!.body, body);
      assert.equal(seen[0]!.headers["x-starling-signature"], "t=1,v1=ab");
      assert.equal(seen[0]!.headers["content-length"], String(Buffer.byteLength(body)));
      assert.equal(await client.post(server.url.replace("/hook", "/moved"), {}, "{}", 1000), 302);
      assert.equal(seen.length, 2);
      await server.close();
    });

    it("reuses connections, at most the given number to one receiver", async () => {
      let open = 0;
      const server = await serve((_req, res) => {
        setTimeout(() => res.writeHead(200).end("ok"), 20);
      });
      const results = await Promise.all(
        Array.from({ length: 40 }, () => client.post(server.url, {}, "{}", 2000)),
      );
      open = server.sockets.size;
      assert.ok(results.every((s) => s === 200));
      assert.ok(open <= 4, `${open} connections`);
      await server.close();
    });

    it("gives up after the timeout", async () => {
      const server = await serve(() => {
        // never answers
      });
      const started = Date.now();
      await assert.rejects(client.post(server.url, {}, "{}", 100), /timed out after 100 ms/);
      assert.ok(Date.now() - started < 1000);
      await server.close();
    });

    it("sends again once when the receiver had closed the idle connection", async () => {
      let requests = 0;
      const server = await serve((_req, res) => {
        requests++;
        res.writeHead(200).end();
      });
      assert.equal(await client.post(server.url, {}, "{}", 1000), 200);
      // The receiver drops its idle connections without telling us; the next POST lands on a dead socket.
      for (const s of server.sockets) s.destroy();
      assert.equal(await client.post(server.url, {}, "{}", 1000), 200);
      assert.equal(requests, 2);
      await server.close();
    });

    it("does not send again when the connection breaks after the receiver started answering", async () => {
    let requests = 0;
    const server = await serve((_req, res) => {
      requests++;
      if (requests === 1) res.writeHead(200).end();
      else {
        // Headers and part of the body, then the connection goes: the receiver has the event.
        res.writeHead(200, { "content-length": "100" });
        res.write("partial");
        setTimeout(() => res.socket?.destroy(), 20);
      }
    });
    assert.equal(await client.post(server.url, {}, "{}", 1000), 200);
    await assert.rejects(client.post(server.url, {}, "{}", 1000));
    assert.equal(requests, 2);
    await server.close();
  });

  it("fails on an unreachable receiver and on a non-HTTP URL", async () => {
      await assert.rejects(client.post("http://127.0.0.1:9/hook", {}, "{}", 1000));
      await assert.rejects(client.post("ftp://127.0.0.1/hook", {}, "{}", 1000), /unsupported URL scheme/);
    });
  });

describe("webhook sender thread", () => {
  it("runs with a small young generation, so a drain does not leave it holding ~45 MB", async () => {
    const client = new ThreadedWebhookClient(2);
    try {
      const worker = (client as unknown as { worker: { resourceLimits?: { maxYoungGenerationSizeMb?: number } } })
        .worker;
      const young = worker.resourceLimits?.maxYoungGenerationSizeMb ?? 0;
      assert.ok(young > 0 && young <= 16, `young generation limit ${young} MB`);
    } finally {
      await client.close();
    }
  });

  it("closes cleanly, and then refuses new posts instead of hanging", async () => {
    const client = new ThreadedWebhookClient(2);
    await client.close();
    await assert.rejects(client.post("http://127.0.0.1:9/hook", {}, "{}", 1000), /closed/);
  });

  it("answers the posts it already took before it closes", async () => {
    const server = await serve((_req, res) => {
      setTimeout(() => res.writeHead(200).end(), 100);
    });
    const client = new ThreadedWebhookClient(2);
    const posts = Array.from({ length: 4 }, () => client.post(server.url, {}, "{}", 5000));
    await new Promise((r) => setTimeout(r, 30));
    await client.close();
    assert.deepEqual(await Promise.all(posts), [200, 200, 200, 200]);
    await server.close();
  });

  it("fails the posts of a thread that dies and starts a new one for the next", async () => {
    const server = await serve((_req, res) => {
      setTimeout(() => res.writeHead(200).end(), 200);
    });
    const client = new ThreadedWebhookClient(2);
    const inFlight = client.post(server.url, {}, "{}", 5000);
    await new Promise((r) => setTimeout(r, 50));
    // What an uncaught error in the thread would do.
    await (client as unknown as { worker: { terminate(): Promise<number> } }).worker.terminate();
    await assert.rejects(inFlight, /exited/);
    assert.equal(await client.post(server.url, {}, "{}", 5000), 200);
    await client.close();
    await server.close();
  });
});
