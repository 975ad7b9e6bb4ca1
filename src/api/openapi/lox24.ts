/** The LOX24 dialect's OpenAPI description: POST /sms's body is the route's own zod schema. */
import { MESSAGES, violationCode } from "../lox24/errors.js";
import { sendSmsSchema } from "../lox24/validation.js";
import type { DialectDoc, OperationDoc, ResponseDoc } from "./document.js";

const PROBLEM = { type: "https://tools.ietf.org/html/rfc2616#section-10", title: "An error occurred" };
const problem = (detail: string) => ({ ...PROBLEM, detail });
const error = (description: string, detail: string): ResponseDoc => ({
  description,
  contentType: "application/problem+json",
  examples: [{ summary: description, value: problem(detail) }],
});

const UUID = "11111111-2222-3333-4444-555555555555";
/** The seed's "Basic sms Message response" (lox24-post-sms.txt). */
const SMS = {
  "@context": "/contexts/sms",
  "@id": `/sms/${UUID}`,
  "@type": "sms",
  text: "Hello! This is a test SMS message.",
  sender_id: "+19388888025",
  phone: "+14155552671",
  delivery_at: 0,
  status_code: 0,
  gateway_sent_at: 0,
  source: 0,
  dlr_code: 0,
  ip: "139.59.136.251",
  created_at: 1755868416,
  is_unicode: false,
  uuid: UUID,
  iso2: "US",
  voice_lang: null,
  parts_count: 1,
  chars_count: 34,
  callback_data: null,
  bulk_id: null,
  key_id: 8291,
  service_code: "direct",
  is_text_deleted: false,
  price: 0.056,
  is_sent: false,
  requests: `/sms/${UUID}/requests`,
  clicks: `/sms/${UUID}/clicks`,
};

const blank = "This value should not be blank.";
const invalid: ResponseDoc = {
  description: "Invalid input (one violation per field)",
  contentType: "application/problem+json",
  examples: [
    {
      summary: "A required field is missing",
      value: {
        ...problem(`phone: ${blank}`),
        violations: [{ propertyPath: "phone", message: blank, code: violationCode(blank) }],
      },
    },
  ],
};
const unauthenticated = error(
  "Bad or missing token (X-LOX24-AUTH-TOKEN: <key_id>:<secret>)",
  MESSAGES.unauthenticated,
);
const disabled = error("Account disabled", MESSAGES.account_disabled);
const notFound = error("No such message in this account", MESSAGES.not_found);
const blocked = error(
  "Too many bad tokens from this address (Retry-After says for how long)",
  MESSAGES.ip_blocked,
);
const internal = error("Unexpected error", MESSAGES.internal);
const common = { 401: unauthenticated, 403: disabled, 429: blocked, 500: internal };

const uuidParam = {
  name: "uuid",
  in: "path" as const,
  required: true,
  description: "SMS ID (uuid)",
  schema: { type: "string", format: "uuid" },
  example: UUID,
};
const sms = (summary: string): ResponseDoc => ({ description: summary, examples: [{ summary, value: SMS }] });
const body = {
  schema: sendSmsSchema,
  examples: [
    {
      summary: "Basic SMS message (required fields only)",
      value: {
        text: "Hello! This is a test SMS message.",
        sender_id: "+491701234567",
        phone: "+14155552671",
      },
    },
    {
      summary: "Scheduled, with callback data",
      value: {
        text: "Your table is ready",
        sender_id: "Bistro",
        phone: "+491701234567",
        delivery_at: 4102444000,
        callback_data: "order-12345",
      },
    },
  ],
};
const query = (name: string, description: string, schema: object = { type: "string" }) => ({
  name,
  in: "query" as const,
  description,
  schema,
});

const operations: OperationDoc[] = [
  {
    method: "post",
    path: "/sms",
    tag: "SMS",
    summary: "Send an SMS",
    description:
      "Validates, prices, debits and queues the message; delivery and receipts follow (see dlr_code and webhooks).",
    body,
    responses: {
      201: sms("Sms resource created"),
      400: invalid,
      402: error("Not enough funds", MESSAGES.insufficient_funds),
      422: error(
        "Well-formed but impossible (e.g. a number that cannot be reached)",
        "phone: This value is not a valid phone number.",
      ),
      ...common,
    },
  },
  {
    method: "post",
    path: "/sms/dryrun",
    tag: "SMS",
    summary: "Price an SMS without sending it",
    body,
    responses: { 200: sms("The would-be message: parts, characters and price"), 400: invalid, ...common },
  },
  {
    method: "get",
    path: "/sms",
    tag: "SMS",
    summary: "List messages",
    description: "A bare array with Accept: application/json; a hydra collection with application/ld+json.",
    parameters: [
      query("page", "Page number (from 1)", { type: "integer", minimum: 1 }),
      query("itemsPerPage", "Items per page (at most 500)", { type: "integer", minimum: 1, maximum: 500 }),
      query("_order[created_at]", "asc or desc", { type: "string", enum: ["asc", "desc"] }),
      query("iso2[]", "Destination countries", { type: "array", items: { type: "string" } }),
      query("created_at[between]", "a..b, unix seconds or ISO 8601"),
      query("created_at[gte]", "From (unix seconds or ISO 8601)"),
      query("created_at[lte]", "To (unix seconds or ISO 8601)"),
      query("status_code", "Status code(s), comma separated"),
      query("dlr_code", "Delivery report code(s), comma separated"),
      query("phone", "Recipient"),
      query("bulk_id", "Campaign"),
    ],
    responses: {
      200: { description: "Messages", examples: [{ summary: "One message", value: [SMS] }] },
      400: invalid,
      ...common,
    },
  },
  {
    method: "get",
    path: "/sms/{uuid}",
    tag: "SMS",
    summary: "Retrieve an SMS",
    parameters: [uuidParam],
    responses: { 200: sms("Sms resource"), 404: notFound, ...common },
  },
  {
    method: "delete",
    path: "/sms/{uuid}",
    tag: "SMS",
    summary: "Cancel an SMS not yet transmitted (status 6000, refunded)",
    parameters: [uuidParam],
    responses: {
      204: { description: "Cancelled", examples: [] },
      404: notFound,
      422: error("Already transmitted", "The SMS was already transmitted."),
      ...common,
    },
  },
  {
    method: "get",
    path: "/sms/{uuid}/requests",
    tag: "Short links",
    summary: "Clicks on the message's short link",
    parameters: [uuidParam],
    responses: {
      200: { description: "Clicks", examples: [{ summary: "No clicks yet", value: [] }] },
      404: notFound,
      ...common,
    },
  },
  {
    method: "get",
    path: "/sms/{uuid}/clicks",
    tag: "Short links",
    summary: "Click count of the message's short link",
    parameters: [uuidParam],
    responses: {
      200: {
        description: "Count",
        examples: [{ summary: "Count", value: { uuid: UUID, created_at: 1755868416, requests_count: 0 } }],
      },
      404: notFound,
      ...common,
    },
  },
  {
    method: "get",
    path: "/me",
    tag: "Account",
    summary: "The account: balance, currency, services",
    responses: {
      200: {
        description: "Account",
        examples: [
          {
            summary: "Account",
            value: {
              id: 12,
              currency: "EUR",
              balance_amount: 49.93,
              balance_changed_at: 1755868416,
              is_text_deleted: false,
              services: ["direct"],
            },
          },
        ],
      },
      ...common,
    },
  },
];

export const lox24Doc: DialectDoc = {
  title: "Starling — LOX24 dialect",
  description:
    "The LOX24 SMS API as Starling speaks it. Token: `X-LOX24-AUTH-TOKEN: <key_id>:<secret>` (create one in the console or with `starling keys create`).",
  securityScheme: { type: "apiKey", in: "header", name: "X-LOX24-AUTH-TOKEN" },
  operations,
};
