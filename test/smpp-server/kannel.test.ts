/**
 * Kannel, configured as it would be for any SMPP provider, sends through Starling and gets its receipts:
 * as one transceiver bind and as a transmitter + receiver pair; GSM, UCS-2 and a long (concatenated)
 * message through its sendsms interface with dlr-mask, receipts reported to a DLR URL. Over every store.
 */
import assert from "node:assert/strict";
import { createServer, type Server } from "node:http";
import { after, before, describe, it } from "node:test";
import { http, startTestGateway, type TestGateway } from "../helpers/gateway.js";
import { storeTargets } from "../helpers/stores.js";
import { eventually } from "../helpers/webhook-receiver.js";
import { SMPP_SERVER_ON, smppLogin } from "./esme.js";
import { type Kannel, skipWithoutKannel, startKannel } from "./kannel.js";

interface Dlr {
  tag: string;
  type: number;
  id: string;
}

async function dlrSink(): Promise<{ server: Server; url: string; received: Dlr[] }> {
  const received: Dlr[] = [];
  const server = createServer((req, res) => {
    const q = new URL(req.url ?? "/", "http://x").searchParams;
    received.push({ tag: q.get("tag") ?? "", type: Number(q.get("type")), id: q.get("id") ?? "" });
    res.end("ok");
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : 0;
  return { server, url: `http://127.0.0.1:${port}/dlr`, received };
}

const MODES = ["transceiver", "transmitter_receiver"] as const;

for (const target of storeTargets) {
  for (const mode of MODES) {
    const skip = skipWithoutKannel || target.skip;
    describe(`Kannel through Starling's SMPP server, ${mode} (${target.name})`, { skip }, () => {
      let gw: TestGateway;
      let kannel: Kannel;
      let sink: Awaited<ReturnType<typeof dlrSink>>;
      const auth = () => ({ "X-LOX24-AUTH-TOKEN": gw.token, Accept: "application/json" });

      before(async () => {
        gw = await startTestGateway(target, { overrides: SMPP_SERVER_ON, balance: 10 });
        sink = await dlrSink();
        const login = await smppLogin(gw);
        kannel = await startKannel({ smppPort: gw.gateway.smppServer!.port, ...login, mode });
        await eventually(async () => ((await kannel.online()) ? true : undefined), 30_000).catch((error) => {
          throw new Error(`${error.message}\n${kannel.logs()}`);
        });
        const expected = mode === "transceiver" ? ["transceiver"] : ["receiver", "transmitter"];
        assert.deepEqual(gw.gateway.smppServer!.bindTypes, expected);
      });
      after(async () => {
        await kannel?.stop();
        sink?.server.close();
        await gw?.stop();
      });

      /** Sends through Kannel; resolves with the Starling message it became and its delivered DLR. */
      const send = async (tag: string, params: Record<string, string>) => {
        const dlrUrl = `${sink.url}?tag=${tag}&type=%d&id=%F`;
        const res = await kannel.sendsms({
          from: "Starling",
          to: "+491701234567",
          "dlr-mask": "11",
          "dlr-url": dlrUrl,
          ...params,
        });
        assert.equal(res.status, 202, res.body);
        const delivered = await eventually(
          () => sink.received.find((d) => d.tag === tag && d.type === 1),
          30_000,
        );
        const message = (await http(gw.url, "GET", `/sms/${delivered.id}`, { headers: auth() })).body;
        return { delivered, message };
      };

      it("sends GSM text and gets the delivered receipt for the same id", async () => {
        const { delivered, message } = await send(`gsm-${mode}`, { text: "Hello from Kannel @ Grüße" });
        assert.equal(message.uuid, delivered.id, "the DLR's id is the message uuid");
        assert.equal(message.text, "Hello from Kannel @ Grüße");
        assert.equal(message.phone, "+491701234567");
        assert.equal(message.is_unicode, false);
        assert.equal(message.dlr_code, 1);
        assert.ok(
          sink.received.some((d) => d.tag === `gsm-${mode}` && d.type === 8),
          "SMSC-accepted DLR too",
        );
      });

      it("sends UCS-2 text", async () => {
        const { message } = await send(`ucs2-${mode}`, {
          text: "Привет, мир ✓",
          coding: "2",
          charset: "UTF-8",
        });
        assert.equal(message.text, "Привет, мир ✓");
        assert.equal(message.is_unicode, true);
      });

      it("sends a long message that Kannel splits, joined into one message", async () => {
        const text = `${"Starling joins the parts of a long message. ".repeat(5)}The end.`;
        const { message } = await send(`long-${mode}`, { text });
        assert.equal(message.text, text);
        assert.equal(message.sms_count ?? message.parts_count ?? 2, 2);
      });
    });
  }
}
