/**
 * How many concurrent calls one process sustains with smooth RTP pacing.
 *
 *   npx tsx bench/voice-calls.ts [--levels 10,50,100,200] [--seconds 6]
 *
 * This process is the gateway's voice side (one SIP stack, its calls' RTP pacers); `starling sip-simulator`
 * in a child process is the far end, answering every call and receiving the RTP. Each level places that
 * many calls at once, each playing `--seconds` of audio, and reports how late packets left behind their
 * 20 ms schedule (p50, p99, max: the jitter of packet send times), whether every packet was sent, and the
 * host load. Short by design: the machine is shared.
 */
import { spawn } from "node:child_process";
import { loadavg } from "node:os";
import { parseArgs } from "node:util";
import { placeCall } from "../src/delivery/voice/sip/call.js";
import { SipStack } from "../src/delivery/voice/sip/stack.js";
import { RtpStream } from "../src/delivery/voice/rtp/stream.js";
import { toTelephone } from "../src/delivery/voice/speech/g711.js";

const { values } = parseArgs({ options: { levels: { type: "string" }, seconds: { type: "string" } } });
const levels = (values.levels ?? "10,50,100,200").split(",").map(Number);
const seconds = Number(values.seconds ?? 6);

const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;

async function main() {
  const sim = spawn(
    process.execPath,
    ["--import", "tsx", "src/cli/index.ts", "sip-simulator", "--port", "0", "--ring-ms", "10"],
    {
      stdio: ["ignore", "pipe", "inherit"],
    },
  );
  let out = "";
  sim.stdout.on("data", (d) => (out += String(d)));
  const stopSim = () => sim.kill("SIGTERM");
  process.once("SIGINT", () => {
    stopSim();
    process.exit(130);
  });
  const deadline = Date.now() + 30_000;
  while (!/127\.0\.0\.1:\d+/.test(out) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  const port = Number(/127\.0\.0\.1:(\d+)/.exec(out)?.[1]);
  if (!port) throw new Error(`the SIP simulator did not start: ${out}`);
  console.error(`SIP simulator on port ${port}`);
  const stack = await SipStack.open({ address: "127.0.0.1", port: 0 });

  // A speech-like signal: a 300 Hz tone whose loudness comes and goes (what G.711 carries is irrelevant here).
  const samples = new Int16Array(8000 * seconds);
  for (let i = 0; i < samples.length; i++)
    samples[i] = Math.round(6000 * Math.sin(i / 4000) * Math.sin((2 * Math.PI * 300 * i) / 8000));
  const audio = toTelephone({ sampleRate: 8000, samples });
  const expected = Math.ceil(samples.length / 160);

  const rows: Record<string, string | number>[] = [];
  // Baseline, same run: one pacer sending to nowhere. Its lateness is what this host's timers and load do
  // to any 20 ms schedule, whatever Starling does; the call rows are read against it.
  {
    const nowhere = { send: () => {} } as unknown as import("node:dgram").Socket;
    const idle = await new RtpStream(nowhere, { address: "127.0.0.1", port: 9 }, 0, audio.PCMU).play();
    const lateness = [...idle.lateness].sort((a, b) => a - b);
    rows.push({
      calls: "0 (timer only)",
      played: "-",
      "packets sent / expected": `${idle.packetsSent} / ${expected}`,
      "late p50 ms": percentile(lateness, 50).toFixed(2),
      "late p99 ms": percentile(lateness, 99).toFixed(2),
      "late max ms": (lateness.at(-1) ?? 0).toFixed(1),
      "packets/s": 50,
      "CPU % of a core": "-",
      "load (1 min)": loadavg()[0]!.toFixed(2),
    });
    console.error(JSON.stringify(rows.at(-1)));
  }
  for (const calls of levels) {
    const cpu = process.cpuUsage();
    const started = Date.now();
    const results = await Promise.all(
      Array.from({ length: calls }, (_, i) =>
        placeCall(
          stack,
          {
            host: "127.0.0.1",
            port,
            transport: "udp",
            ringTimeoutMs: 10_000,
            maxCallMs: 120_000,
            codecs: ["PCMU"],
          },
          { callee: `+1415555${String(i).padStart(4, "0")}`, caller: "+491701234567", audio },
        ),
      ),
    );
    const wall = (Date.now() - started) / 1000;
    const used = process.cpuUsage(cpu);
    const lateness = results.flatMap((r) => r.lateness).sort((a, b) => a - b);
    const played = results.filter((r) => r.outcome === "played").length;
    const sent = results.reduce((n, r) => n + r.packetsSent, 0);
    rows.push({
      calls,
      played,
      "packets sent / expected": `${sent} / ${calls * expected}`,
      "late p50 ms": percentile(lateness, 50).toFixed(2),
      "late p99 ms": percentile(lateness, 99).toFixed(2),
      "late max ms": (lateness.at(-1) ?? 0).toFixed(1),
      "packets/s": Math.round(sent / wall),
      "CPU % of a core": Math.round(((used.user + used.system) / 1e6 / wall) * 100),
      "load (1 min)": loadavg()[0]!.toFixed(2),
    });
    console.error(JSON.stringify(rows.at(-1)));
    await new Promise((r) => setTimeout(r, 1000));
  }
  stack.close();
  stopSim();
  console.table(rows);
  console.log(`audio ${seconds} s per call, 20 ms packets; lateness = send time behind start + n × 20 ms`);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
