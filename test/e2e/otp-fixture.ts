/**
 * Shared set-up of the OTP e2e suites: a gateway with a hand-driven clock, senders the account may use,
 * the code an OTP's SMS carried (read back from the message, as a phone would), and raw database rows.
 */
import Database from "better-sqlite3";
import pg from "pg";
import { http, startTestGateway, type TestGateway } from "../helpers/gateway.js";
import type { StoreTarget } from "../helpers/stores.js";

export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** A clock the test moves by hand (unix ms). */
export class ManualClock {
  constructor(public t: number) {}
  now = () => this.t;
  advance(ms: number): void {
    this.t += ms;
  }
}

export interface OtpGateway extends TestGateway {
  clock: ManualClock;
  /** Requests as `token` (default: the main account's). */
  call(method: string, path: string, body?: unknown, token?: string): ReturnType<typeof http>;
  /** Lets an account send with a number (digits, as FullSMS lists them) or an approved sender ID. */
  allowSender(accountId: number, from: string, country?: string): Promise<void>;
  /** The code in the SMS of an OTP, taken from the stored message text. */
  codeOf(otpId: string, accountId?: number): Promise<string>;
  /** The otps row as stored, every column. */
  rawOtpRow(otpId: string): Promise<Record<string, unknown>>;
  rawRows(table: string, column: string, value: string): Promise<Record<string, unknown>[]>;
}

/** A distinct valid German mobile number per n. */
export const mobile = (n: number) => `+49170${String(1_000_000 + n)}`;

export async function startOtpGateway(
  target: StoreTarget,
  options: { start?: number; country?: string; overrides?: Record<string, unknown> } = {},
): Promise<OtpGateway> {
  const clock = new ManualClock(options.start ?? Date.UTC(2024, 0, 15, 12, 0, 0));
  const gw = await startTestGateway(target, {
    clock,
    ...(options.country ? { country: options.country } : {}),
    // The suites send deliberately bad tokens; the shared IP block must not end the run early.
    overrides: { "security.badCredentialLimit": 100_000, ...options.overrides },
  });
  const store = gw.gateway.store;
  const dbUrl = gw.gateway.config.database.url;

  const rawRows = async (table: string, column: string, value: string) => {
    if (dbUrl.startsWith("postgres")) {
      const client = new pg.Client({ connectionString: dbUrl });
      await client.connect();
      try {
        return (await client.query(`SELECT * FROM ${table} WHERE ${column} = $1`, [value])).rows;
      } finally {
        await client.end();
      }
    }
    const db = new Database(dbUrl.replace(/^sqlite:/, ""), { readonly: true });
    try {
      return db.prepare(`SELECT * FROM ${table} WHERE ${column} = ?`).all(value) as Record<string, unknown>[];
    } finally {
      db.close();
    }
  };

  return {
    ...gw,
    clock,
    call: (method, path, body, token = gw.token) =>
      http(gw.url, method, path, {
        ...(body !== undefined ? { body } : {}),
        headers: { Authorization: `Bearer ${token}`, Accept: "application/json" },
      }),
    async allowSender(accountId, from, country = "DE") {
      if (/^\+?\d+$/.test(from)) {
        await store.fullsms.numbers.add(accountId, from.replace("+", ""), country, clock.now());
        return;
      }
      const sender = await store.fullsms.senderIds.request(accountId, from, clock.now());
      await store.fullsms.senderIds.decide(sender.id, "approved", clock.now());
    },
    async codeOf(otpId, accountId = gw.accountId) {
      const otp = await store.otp.get(accountId, otpId);
      if (!otp) throw new Error(`no OTP ${otpId}`);
      const message = await store.messages.get(accountId, otp.messageUuid);
      const code = /(\d{6})$/.exec(message?.text ?? "")?.[1];
      if (!code) throw new Error(`no code in ${message?.text}`);
      return code;
    },
    async rawOtpRow(otpId) {
      const [row] = await rawRows("otps", "id", otpId);
      if (!row) throw new Error(`no row for ${otpId}`);
      return row;
    },
    rawRows,
  };
}

/** A code that is not `code` (for wrong attempts). */
export const wrongCode = (code: string) => (code === "111111" ? "222222" : "111111");
