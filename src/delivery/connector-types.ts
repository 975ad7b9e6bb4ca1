/**
 * The connector types Starling knows, registered once. `delivery.connectors` in the config is a
 * discriminated union on `type` built from them, each validated strictly by its own schema.
 *
 * An entry without `type` is SMPP: SMPP was the only kind before types existed, and existing config files
 * keep working unchanged. A `type` that is given but unknown is an error naming the key.
 */
import { z } from "zod";
import type { Connector } from "./connector.js";
import type { ConnectorContext } from "./connector-type.js";
import { smppConnectorType } from "./smpp/type.js";
import { voiceConnectorType } from "./voice/type.js";

/** Every connector type; a new one is added here and to the union below. */
const TYPES = [smppConnectorType, voiceConnectorType] as const;

const withType = <T extends (typeof TYPES)[number]>(t: T) => t.settings.extend({ type: z.literal(t.type) });

export const connectorSettingsSchema = z.preprocess(
  (value) =>
    value !== null && typeof value === "object" && !Array.isArray(value) && !("type" in value)
      ? { type: "smpp", ...value }
      : value,
  z.discriminatedUnion("type", [withType(smppConnectorType), withType(voiceConnectorType)]),
);

export type ConnectorSettings = z.output<typeof connectorSettingsSchema>;
export type ConnectorTypeName = ConnectorSettings["type"];

export const CONNECTOR_TYPE_NAMES: readonly string[] = TYPES.map((t) => t.type);

/** Builds the connector its settings describe, with the factory of its type. */
export function createConnector(settings: ConnectorSettings, context: ConnectorContext): Connector {
  const { type, ...rest } = settings;
  const kind = TYPES.find((t) => t.type === type);
  if (!kind) throw new Error(`unknown connector type ${type}`);
  // The union narrowed by `type` is the settings of `kind`; TypeScript cannot follow the find().
  return kind.create(rest as never, context);
}
