/**
 * Numbered migrations shared by both stores. Append only: a released migration never changes.
 * Each receives the dialect so the few DDL differences (auto-numbered keys) stay in one place.
 */
import type { Kysely, Migration } from "kysely";
import type { Dialect } from "../db.js";
import * as core from "./001-core.js";
import * as delivery from "./002-delivery.js";
import * as fullsms from "./003-fullsms.js";
import * as otp from "./004-otp.js";
import * as resubmittedParts from "./005-resubmitted-parts.js";
import * as pendingReceiptsReceivedAt from "./006-pending-receipts-received-at.js";
import * as webhookTimeout from "./008-webhook-timeout.js";
import * as safeSending from "./009-safe-sending.js";
import * as smppServer from "./010-smpp-server.js";
import * as admins from "./011-admins.js";
import * as voicePrices from "./012-voice-prices.js";
import * as enRouteParts from "./013-en-route-parts.js";
import * as strictNumbers from "./014-strict-numbers.js";
import * as deliveryAttempts from "./015-delivery-attempts.js";
import * as unknownSubmits from "./016-unknown-submits.js";
import * as credentialNotify from "./017-credential-notify.js";

type Step = { up(db: Kysely<unknown>, dialect: Dialect): Promise<void> };

const steps: Record<string, Step> = {
  "001-core": core,
  "002-delivery": delivery,
  "003-fullsms": fullsms,
  "004-otp": otp,
  "005-resubmitted-parts": resubmittedParts,
  "006-pending-receipts-received-at": pendingReceiptsReceivedAt,
  "008-webhook-timeout": webhookTimeout,
  "009-safe-sending": safeSending,
  "010-smpp-server": smppServer,
  "011-admins": admins,
  "012-voice-prices": voicePrices,
  "013-en-route-parts": enRouteParts,
  "014-strict-numbers": strictNumbers,
  "015-delivery-attempts": deliveryAttempts,
  "016-unknown-submits": unknownSubmits,
  "017-credential-notify": credentialNotify,
};

export function migrationsFor(dialect: Dialect): Record<string, Migration> {
  return Object.fromEntries(
    Object.entries(steps).map(([name, step]) => [
      name,
      { up: (db: Kysely<unknown>) => step.up(db, dialect) },
    ]),
  );
}
