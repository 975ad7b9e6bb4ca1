/** Settings of the SMPP server customers bind to (config key `smppServer`). Off unless enabled. */
import { z } from "zod";

const port = z.coerce.number().int().min(0).max(65535);
const positiveInt = z.coerce.number().int().positive();

export const smppServerSchema = z
  .object({
    enabled: z.coerce.boolean().default(false),
    /** Loopback by default: exposing SMPP is the operator's explicit choice. */
    host: z.string().default("127.0.0.1"),
    port: port.default(2776),
    /** SMPP over TLS on its own port, when both certificate files are given. */
    tls: z
      .object({ port: port.default(3550), certFile: z.string().min(1), keyFile: z.string().min(1) })
      .optional(),
    /** Binds open at once per account, of any type. */
    maxBindsPerAccount: positiveInt.default(4),
    /** Requests of one bind without a response yet; beyond it a request is refused with ESME_RTHROTTLED. */
    window: positiveInt.default(100),
    /** submit_sm per second per account, over all its binds; 0 = no limit. */
    throughputPerSecond: z.coerce.number().int().nonnegative().default(100),
    /** Seconds of silence after which the server asks the ESME enquire_link; no answer drops the bind. */
    enquireLinkSeconds: positiveInt.default(30),
    /** A bind not made this long after connecting is dropped. */
    bindTimeoutSeconds: positiveInt.default(30),
    /** The parts of a concatenated message must all arrive within this time. */
    concatTimeoutSeconds: positiveInt.default(30),
    /** How data_coding 0 reaches us from the ESMEs: GSM 03.38 one septet per octet (the usual) or packed. */
    gsm7Packing: z.enum(["unpacked", "packed"]).default("unpacked"),
    defaultAlphabet: z.enum(["gsm7", "latin1"]).default("gsm7"),
    /** How long a deliver_sm waits for its deliver_sm_resp before it is offered again. */
    responseTimeoutMs: positiveInt.default(10_000),
  })
  .default({
    enabled: false,
    host: "127.0.0.1",
    port: 2776,
    maxBindsPerAccount: 4,
    window: 100,
    throughputPerSecond: 100,
    enquireLinkSeconds: 30,
    bindTimeoutSeconds: 30,
    concatTimeoutSeconds: 30,
    gsm7Packing: "unpacked",
    defaultAlphabet: "gsm7",
    responseTimeoutMs: 10_000,
  });

export type SmppServerConfig = z.infer<typeof smppServerSchema>;

export const SMPP_SERVER_ENV: Record<string, string> = {
  STARLING_SMPP_SERVER: "smppServer.enabled",
  STARLING_SMPP_SERVER_HOST: "smppServer.host",
  STARLING_SMPP_SERVER_PORT: "smppServer.port",
};
