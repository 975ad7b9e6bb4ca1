/**
 * Builds an OpenAPI 3.1 document from a list of operations whose request bodies are zod schemas (the
 * schemas the routes validate with, turned into JSON Schema by zod itself), with examples and every
 * error response the dialect can give.
 */
import { type ZodType, z } from "zod";

export interface ResponseDoc {
  description: string;
  /** One example per case (e.g. two different 403 bodies); the first is the default. */
  examples: { summary: string; value: unknown }[];
  contentType?: string;
}

export interface OperationDoc {
  method: "get" | "post" | "delete";
  /** OpenAPI path, e.g. /sms/{uuid}. */
  path: string;
  summary: string;
  description?: string;
  tag: string;
  /** false for the few routes that need no token. */
  auth?: boolean;
  parameters?: {
    name: string;
    in: "path" | "query";
    required?: boolean;
    description: string;
    schema: object;
    example?: unknown;
  }[];
  body?: { schema: ZodType; examples: { summary: string; value: unknown }[] };
  responses: Record<number, ResponseDoc>;
}

export interface DialectDoc {
  title: string;
  description: string;
  securityScheme: object;
  operations: OperationDoc[];
}

/** JSON Schema of what a client may send (zod's input side), without the $schema key OpenAPI does not want. */
export function requestSchema(schema: ZodType): object {
  const { $schema: _ignored, ...json } = z.toJSONSchema(schema, {
    io: "input",
    unrepresentable: "any",
    target: "draft-2020-12",
    // A .catch() is a route's leniency (FullSMS reports odd recipients instead of refusing the body),
    // not a default a client should see.
    override: (ctx) => {
      if (ctx.zodSchema._zod.def.type === "catch") delete ctx.jsonSchema.default;
    },
  });
  return json;
}

const toMedia = (examples: { summary: string; value: unknown }[]) =>
  Object.fromEntries(examples.map((e, i) => [`example${i + 1}`, { summary: e.summary, value: e.value }]));

export function buildDocument(doc: DialectDoc, version: string): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const op of doc.operations) {
    const responses = Object.fromEntries(
      Object.entries(op.responses).map(([status, r]) => [
        status,
        r.examples.length === 0
          ? { description: r.description }
          : {
              description: r.description,
              content: { [r.contentType ?? "application/json"]: { examples: toMedia(r.examples) } },
            },
      ]),
    );
    paths[op.path] ??= {};
    paths[op.path]![op.method] = {
      operationId: `${op.method}${op.path
        .replace(/[{}]/g, "")
        .replace(/\/(\w)/g, (_m, c: string) => c.toUpperCase())
        .replace(/\W/g, "")}`,
      summary: op.summary,
      ...(op.description ? { description: op.description } : {}),
      tags: [op.tag],
      ...(op.auth === false ? { security: [] } : {}),
      ...(op.parameters ? { parameters: op.parameters } : {}),
      ...(op.body
        ? {
            requestBody: {
              required: true,
              content: {
                "application/json": {
                  schema: requestSchema(op.body.schema),
                  examples: toMedia(op.body.examples),
                },
              },
            },
          }
        : {}),
      responses,
    };
  }
  return {
    openapi: "3.1.0",
    info: { title: doc.title, version, description: doc.description },
    servers: [{ url: "/", description: "this gateway" }],
    components: { securitySchemes: { token: doc.securityScheme } },
    security: [{ token: [] }],
    paths,
  };
}
