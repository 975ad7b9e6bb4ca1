/**
 * What a kind of connector brings to Starling: its settings schema and its factory. A new kind (voice, an
 * HTTP carrier) is one folder under delivery/ exporting one ConnectorType, and one line in
 * connector-types.ts; nothing else changes.
 */
import type { Logger } from "pino";
import type { z } from "zod";
import type { Connector } from "./connector.js";

export interface ConnectorContext {
  log: Logger;
}

export interface ConnectorType<Type extends string, Settings extends z.ZodObject> {
  /** The `type` of its entries in `delivery.connectors`. */
  readonly type: Type;
  /** One connector's settings (without `type`), strict: an unknown key is an error that names it. */
  readonly settings: Settings;
  create(settings: z.output<Settings>, context: ConnectorContext): Connector;
}

export function connectorType<Type extends string, Settings extends z.ZodObject>(
  definition: ConnectorType<Type, Settings>,
): ConnectorType<Type, Settings> {
  return definition;
}
