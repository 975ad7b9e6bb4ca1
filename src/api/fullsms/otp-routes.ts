/** FullSMS OTP routes: /otp/create, /otp/verify, /otp/cancel, /otp/search — bodies exactly as the seed shows. */
import type { FastifyInstance, FastifyRequest } from "fastify";
import { cancelOtp } from "../../app/otp/cancel-otp.js";
import { createOtp, otpFieldError } from "../../app/otp/create-otp.js";
import { searchOtp } from "../../app/otp/search-otp.js";
import { verifyOtp } from "../../app/otp/verify-otp.js";
import { parseTriedCode } from "../../core/otp.js";
import type { OtpCheck, OtpRecord } from "../../store/ports/index.js";
import type { DialectContext } from "../server.js";
import type { z } from "zod";
import { otpCancelSchema, otpCreateSchema, otpVerifySchema } from "./body-schemas.js";
import type { RouteRegistrar } from "./index.js";

/** A body that is not a JSON object has no fields at all (every required one is then missing). */
const fieldsOf = (body: unknown): Record<string, unknown> =>
  typeof body === "object" && body !== null && !Array.isArray(body) ? (body as Record<string, unknown>) : {};

/** The fields as the schema reads them, or the OTP section's error for the first bad one. */
function otpFields<S extends z.ZodType>(schema: S, body: unknown): z.output<S> {
  const result = schema.safeParse(fieldsOf(body));
  if (!result.success) throw otpFieldError(String(result.error.issues[0]?.path[0] ?? "body"));
  return result.data;
}

const asText = (value: string | number | undefined) => (value === undefined ? undefined : String(value));

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
    const fields = otpFields(otpCreateSchema, request.body);
    const { account, key } = caller(request);
    const otp = await createOtp(deps, {
      account,
      keyId: key.id,
      toNumber: String(fields.to_number),
      from: asText(fields.from),
      brand: fields.brand ?? undefined,
      ip: request.ip,
    });
    return { status: "approved", otp_id: otp.id, otp_status: otp.status };
  });

  app.post("/otp/verify", async (request) => {
    // A value that cannot be a code gets the same body as a wrong code, without costing an attempt.
    const fields = otpFields(otpVerifySchema, request.body);
    const code = parseTriedCode(fields.code);
    if (code === null) throw otpFieldError("code");
    await verifyOtp(deps, caller(request).account, String(fields.otp_id), code);
    return { status: "approved" };
  });

  app.post("/otp/cancel", async (request) => {
    const { otp_id: otpId } = otpFields(otpCancelSchema, request.body);
    await cancelOtp(deps, caller(request).account, String(otpId));
    return ["ok"];
  });

  app.get("/otp/search", async (request) => {
    const { otp_id: otpId } = otpFields(otpCancelSchema, request.query);
    const { otp, checks } = await searchOtp(deps, caller(request).account, String(otpId));
    return otpSearchBody(otp, checks);
  });
};
