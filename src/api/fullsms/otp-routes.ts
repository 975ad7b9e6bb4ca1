/** FullSMS OTP routes: /otp/create, /otp/verify, /otp/cancel, /otp/search — bodies exactly as the seed shows. */
import type { FastifyInstance, FastifyRequest } from "fastify";
import { cancelOtp } from "../../app/otp/cancel-otp.js";
import { createOtp, otpFieldError } from "../../app/otp/create-otp.js";
import { searchOtp } from "../../app/otp/search-otp.js";
import { verifyOtp } from "../../app/otp/verify-otp.js";
import { parseTriedCode } from "../../core/otp.js";
import type { OtpCheck, OtpRecord } from "../../store/ports/index.js";
import type { DialectContext } from "../server.js";
import type { RouteRegistrar } from "./index.js";

type Fields = Record<string, unknown>;

/** A body that is not a JSON object has no fields at all (every required one is then missing). */
const fieldsOf = (body: unknown): Fields =>
  typeof body === "object" && body !== null && !Array.isArray(body) ? (body as Fields) : {};

/** Numbers are accepted where the seed says string: JSON clients often send phone numbers as integers. */
function text(value: unknown): string | undefined {
  if (typeof value === "string") return value;
  if (typeof value === "number" && Number.isSafeInteger(value)) return String(value);
  return undefined;
}

function requiredText(fields: Fields, name: string): string {
  const value = text(fields[name]);
  if (value === undefined || value.trim() === "") throw otpFieldError(name);
  return value;
}

/** Optional, but text when present (null counts as absent). */
function optionalString(fields: Fields, name: string): string | undefined {
  const value = fields[name];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "string") throw otpFieldError(name);
  return value;
}

/** "YYYY-MM-DD HH:MM:SS" in UTC, the seed's date format. */
export function fullsmsDate(ms: number): string {
  return new Date(ms).toISOString().slice(0, 19).replace("T", " ");
}

/** The seed's search object; "created at" has a space in the seed, and clients read it that way. */
export function otpSearchBody(otp: OtpRecord, checks: OtpCheck[]) {
  return {
    uuid: otp.id,
    status: otp.status,
    destination: otp.phone.replace(/^\+/, ""),
    sender_value: otp.sender,
    brand: otp.brand,
    "created at": fullsmsDate(otp.createdAt),
    last_check_at: otp.lastCheckAt === null ? null : fullsmsDate(otp.lastCheckAt),
    checks: checks.map((c) => ({
      date: fullsmsDate(c.checkedAt),
      code: Number(c.code),
      status: c.valid ? "valid" : "invalid",
    })),
  };
}

const caller = (request: FastifyRequest) => request.fullsms!;

export const otpRoutes: RouteRegistrar = (app: FastifyInstance, { deps }: DialectContext) => {
  app.post("/otp/create", async (request) => {
    const fields = fieldsOf(request.body);
    const { account, key } = caller(request);
    const otp = await createOtp(deps, {
      account,
      keyId: key.id,
      toNumber: requiredText(fields, "to_number"),
      from: text(fields.from),
      brand: optionalString(fields, "brand"),
      ip: request.ip,
    });
    return { status: "approved", otp_id: otp.id, otp_status: otp.status };
  });

  app.post("/otp/verify", async (request) => {
    const fields = fieldsOf(request.body);
    const otpId = requiredText(fields, "otp_id");
    const code = parseTriedCode(fields.code);
    // A value that cannot be a code gets the same body as a wrong code, without costing an attempt.
    if (code === null) throw otpFieldError("code");
    await verifyOtp(deps, caller(request).account, otpId, code);
    return { status: "approved" };
  });

  app.post("/otp/cancel", async (request) => {
    const otpId = requiredText(fieldsOf(request.body), "otp_id");
    await cancelOtp(deps, caller(request).account, otpId);
    return ["ok"];
  });

  app.get("/otp/search", async (request) => {
    const otpId = requiredText(fieldsOf(request.query), "otp_id");
    const { otp, checks } = await searchOtp(deps, caller(request).account, otpId);
    return otpSearchBody(otp, checks);
  });
};
