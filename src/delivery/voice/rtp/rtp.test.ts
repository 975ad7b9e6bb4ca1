import assert from "node:assert/strict";
import { createSocket } from "node:dgram";
import { describe, it } from "node:test";
import { buildRtpPacket, parseRtpPacket, type RtpPacket } from "./packet.js";
import { RtpStream } from "./stream.js";

describe("RTP packets", () => {
  it("round-trips the header fields, including wrapped values", () => {
    const packet = buildRtpPacket(
      { payloadType: 8, marker: true, sequence: 0x1ffff, timestamp: 2 ** 32 + 5, ssrc: 0xdeadbeef },
      new Uint8Array([1, 2, 3]),
    );
    assert.equal(packet[0], 0x80);
    const parsed = parseRtpPacket(packet)!;
    assert.deepEqual(
      { ...parsed, payload: [...parsed.payload] },
      { payloadType: 8, marker: true, sequence: 0xffff, timestamp: 5, ssrc: 0xdeadbeef, payload: [1, 2, 3] },
    );
  });
  it("refuses what is not RTP version 2", () => {
    assert.equal(parseRtpPacket(Buffer.alloc(4)), undefined);
    assert.equal(parseRtpPacket(Buffer.alloc(12)), undefined);
  });
});

describe("RtpStream", () => {
  it("sends 160-sample packets with consecutive sequence numbers and timestamps, padding the last", async () => {
    const receiver = createSocket("udp4");
    const received: RtpPacket[] = [];
    receiver.on("message", (m) => received.push(parseRtpPacket(m)!));
    await new Promise<void>((r) => receiver.bind(0, "127.0.0.1", () => r()));
    const sender = createSocket("udp4");
    const audio = new Uint8Array(160 * 5 + 40).fill(0x11);
    const stream = new RtpStream(sender, { address: "127.0.0.1", port: receiver.address().port }, 0, audio);
    const result = await stream.play();
    assert.equal(result.reason, "ended");
    assert.equal(result.packetsSent, 6);
    for (let i = 0; i < 100 && received.length < 6; i++) await new Promise((r) => setTimeout(r, 10));
    assert.equal(received.length, 6);
    received.sort(
      (a, b) =>
        ((a.sequence - received[0]!.sequence) & 0xffff) - ((b.sequence - received[0]!.sequence) & 0xffff),
    );
    for (let i = 1; i < received.length; i++) {
      assert.equal(received[i]!.sequence, (received[0]!.sequence + i) & 0xffff);
      assert.equal(received[i]!.timestamp, (received[0]!.timestamp + 160 * i) >>> 0);
      assert.equal(received[i]!.ssrc, stream.ssrc);
      assert.equal(received[i]!.marker, false);
    }
    assert.equal(received[0]!.marker, true);
    assert.ok(received.every((p) => p.payload.length === 160));
    assert.equal(received[5]!.payload[39], 0x11);
    assert.equal(received[5]!.payload[40], 0xff, "μ-law silence pads the last packet");
    sender.close();
    receiver.close();
  });

  it("paces by the clock: packets leave at start + n × 20 ms, never ahead", async () => {
    let now = 1000;
    const sent: number[] = [];
    const socket = { send: () => sent.push(now) } as unknown as import("node:dgram").Socket;
    const stream = new RtpStream(
      socket,
      { address: "127.0.0.1", port: 9 },
      0,
      new Uint8Array(160 * 3),
      () => now,
    );
    const done = stream.play();
    assert.deepEqual(sent, [1000], "the first packet goes at once");
    now = 1019;
    await new Promise((r) => setTimeout(r, 40));
    now = 1045; // a stalled loop: the overdue packets go together, none early
    await new Promise((r) => setTimeout(r, 40));
    stream.stop();
    const result = await done;
    assert.equal(result.packetsSent, 3);
    assert.ok(
      sent.every((t, i) => t >= 1000 + i * 20),
      `sent at ${sent}`,
    );
  });
});
