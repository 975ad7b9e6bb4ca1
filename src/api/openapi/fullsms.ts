/** The FullSMS dialect's OpenAPI description, with the seed's own examples (examples/fullsms.json). */
import { readFileSync } from "node:fs";
import type { ZodType } from "zod";
import { AppError, validationError } from "../../errors.js";
import { fullsmsError } from "../fullsms/errors.js";
import type { DialectDoc, OperationDoc, ResponseDoc } from "./document.js";
import {
  otpCancelSchema,
  otpCreateSchema,
  otpVerifySchema,
  toListsSchema,
  toNumbersSchema,
} from "../fullsms/body-schemas.js";

interface SeedEndpoint {
  request: unknown;
  query?: Record<string, string>;
  responses: { status: number; label: string; body: unknown }[];
}
/** Copied from /work/shared/seeds/fullsms-api.txt: one entry per endpoint, every example response. */
const seed = JSON.parse(readFileSync(new URL("./examples/fullsms.json", import.meta.url), "utf8")) as Record<
  string,
  SeedEndpoint
>;

/** Responses the dialect gives beyond the seed's examples, built by the dialect's own error mapping. */
const generated: Record<number, { summary: string; value: unknown }> = {
  422: {
    summary: "Validation",
    value: fullsmsError(validationError([{ field: "from", message: "The from field is required." }])).body,
  },
  429: {
    summary: "Too many bad tokens from this address",
    value: fullsmsError(new AppError("ip_blocked", "blocked")).body,
  },
};

const DESCRIPTIONS: Record<number, string> = {
  200: "OK",
  403: "Bad token, or a sender the account may not use",
  404: "Not found (or another account's)",
  422: "Invalid input, low balance, or an OTP no longer active",
  429: "Rate or OTP limit",
  500: "Unexpected error",
};

function responses(key: string): Record<number, ResponseDoc> {
  const out: Record<number, ResponseDoc> = {};
  for (const r of seed[key]?.responses ?? []) {
    out[r.status] ??= { description: DESCRIPTIONS[r.status] ?? String(r.status), examples: [] };
    out[r.status]!.examples.push({
      summary: r.label || (r.status === 200 ? "Success" : String(r.status)),
      value: r.body,
    });
  }
  for (const [status, example] of Object.entries(generated)) {
    const code = Number(status);
    out[code] ??= { description: DESCRIPTIONS[code] ?? status, examples: [] };
    if (!out[code]!.examples.some((e) => e.summary === example.summary)) out[code]!.examples.push(example);
  }
  return out;
}

/**
 * The seed's examples, made to pass validation so "Try it out" works: its send_at (2025) is now past, and its
 * OTP number 442222222222 is not a valid UK number (libphonenumber), so a UK mobile stands in for it.
 */
function tryable(request: unknown): unknown {
  if (typeof request !== "object" || request === null) return request;
  const fixed: Record<string, unknown> = { ...request };
  if ("send_at" in fixed) fixed.send_at = "2030-01-01 08:51:07";
  if (fixed.to_number === "442222222222") fixed.to_number = "447400123456";
  return fixed;
}

const get = (
  path: string,
  tag: string,
  summary: string,
  extra: Partial<OperationDoc> = {},
): OperationDoc => ({
  method: "get",
  path,
  tag,
  summary,
  responses: responses(`GET ${path}`),
  ...extra,
});

const post = (path: string, tag: string, summary: string, schema: ZodType): OperationDoc => ({
  method: "post",
  path,
  tag,
  summary,
  body: {
    schema,
    examples: [{ summary: "From the FullSMS documentation", value: tryable(seed[`POST ${path}`]?.request) }],
  },
  responses: {
    ...responses(`POST ${path}`),
    // fullsmsErrorHandler's answers for a body refused before validation.
    413: {
      description: "Body too large",
      examples: [{ summary: "Too large", value: { status_code: 413, message: "Payload Too Large" } }],
    },
    415: {
      description: "Not JSON",
      examples: [{ summary: "Not JSON", value: { status_code: 415, message: "Unsupported Media Type" } }],
    },
  },
});

const operations: OperationDoc[] = [
  get("/account/balance", "Account", "Get my balance"),
  get("/account/numbers", "Account", "Numbers of the account (usable as `from`)"),
  get("/account/lists", "Account", "Contact lists"),
  get("/account/senderids", "Account", "Sender IDs and their approval"),
  get("/account/templates", "Account", "Message templates"),
  post("/messages/send/to_numbers", "Send SMS", "Send or schedule a campaign to numbers", toNumbersSchema),
  post("/messages/send/to_lists", "Send SMS", "Send or schedule a campaign to contact lists", toListsSchema),
  post("/otp/create", "OTP", "Send a one-time password", otpCreateSchema),
  post("/otp/verify", "OTP", "Check a code", otpVerifySchema),
  post("/otp/cancel", "OTP", "Cancel an OTP in progress", otpCancelSchema),
  get("/otp/search", "OTP", "An OTP and its checks", {
    parameters: [
      {
        name: "otp_id",
        in: "query",
        required: true,
        description: "The OTP's id",
        schema: { type: "string", format: "uuid" },
        example: seed["GET /otp/search"]?.query?.otp_id,
      },
    ],
  }),
  {
    method: "get",
    path: "/s/{code}",
    tag: "Short links",
    summary: "A short link: redirects to its URL and counts the click",
    auth: false,
    parameters: [
      { name: "code", in: "path", required: true, description: "Short code", schema: { type: "string" } },
    ],
    responses: {
      302: { description: "Redirect to the link's URL", examples: [] },
      404: {
        description: "No such link",
        examples: [
          { summary: "Not found", value: fullsmsError(new AppError("not_found", "Not Found")).body },
        ],
      },
    },
  },
];

export const fullsmsDoc: DialectDoc = {
  title: "Starling — FullSMS dialect",
  description:
    "The FullSMS API as Starling speaks it. Token: `Authorization: Bearer <key_id>|<secret>` (create one in the console or with `starling keys create`).",
  securityScheme: { type: "http", scheme: "bearer" },
  operations,
};
