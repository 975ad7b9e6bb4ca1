/** Settings of one voice connector: a SIP trunk, how Starling reaches it, and how calls are placed. */
import { z } from "zod";

const port = z.coerce.number().int().min(0).max(65535);
const positiveInt = z.coerce.number().int().positive();

export const voiceSettingsSchema = z.strictObject({
  id: z.string().min(1),
  /** The trunk (SIP provider or PBX): host and port the INVITEs go to. */
  host: z.string().min(1),
  port: port.default(5060),
  transport: z.enum(["udp", "tcp"]).default("udp"),
  /** Digest credentials, when the trunk challenges (401/407). */
  username: z.string().optional(),
  password: z.string().optional(),
  /** Host part of the request URI and To, when the provider wants its domain rather than its address. */
  domain: z.string().optional(),
  /** Local address for SIP and RTP, and the port for SIP (0 = any free port). */
  localAddress: z.string().default("127.0.0.1"),
  localPort: port.default(0),
  /** Address to put in Via, Contact and SDP when Starling is behind NAT. */
  publicAddress: z.string().optional(),
  /** Caller id in From; default the message's sender_id when it is a number. */
  callerId: z.string().optional(),
  /** Calls under way at once on this trunk, at most; further calls wait for a line. */
  maxConcurrentCalls: positiveInt.default(10),
  /** CANCEL a call that has rung this long unanswered. */
  ringTimeoutSeconds: positiveInt.default(30),
  /** Hang up whatever happens after this long. */
  maxCallSeconds: positiveInt.default(300),
  /** Offered in this order in the SDP. */
  codecs: z
    .array(z.enum(["PCMU", "PCMA"]))
    .min(1)
    .default(["PCMU", "PCMA"]),
  /** While the trunk is down (unreachable, 5xx), probe it with OPTIONS this often. */
  probeSeconds: positiveInt.default(10),
  /** espeak-ng binary and speaking rate. */
  espeakBinary: z.string().default("espeak-ng"),
  wordsPerMinute: positiveInt.max(400).default(160),
});

export type VoiceSettings = z.output<typeof voiceSettingsSchema>;
