/**
 * The OpenAPI documents: valid OpenAPI 3.1, every route the dialects register is documented and every
 * documented route exists, the FullSMS body examples pass the real routes' validation, and /docs serves
 * Swagger UI from the package's own files.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { Validator } from "@seriousme/openapi-schema-validator";
import type { RouteOptions } from "fastify";
import { fullsmsDialect } from "../../src/api/fullsms/index.js";
import { lox24Dialect } from "../../src/api/lox24/index.js";
import { openapiDocuments } from "../../src/api/openapi/routes.js";
import { buildServer, type Dialect } from "../../src/api/server.js";
import { http, startTestGateway, type TestGateway } from "../helpers/gateway.js";
import { storeTargets } from "../helpers/stores.js";

type Doc = {
  paths: Record<
    string,
    Record<
      string,
      { requestBody?: { content: Record<string, { examples: Record<string, { value: unknown }> }> } }
    >
  >;
};

/** fastify's /sms/:uuid is OpenAPI's /sms/{uuid}. */
const toOpenApiPath = (url: string) => url.replace(/:(\w+)/g, "{$1}");

/** The routes each dialect registers, seen through an onRoute hook on its own scope. */
async function registeredRoutes(): Promise<Record<string, Set<string>>> {
  const seen: Record<string, Set<string>> = { lox24: new Set(), fullsms: new Set() };
  const watch = (d: Dialect): Dialect => ({
    ...d,
    register: async (scope, ctx) => {
      scope.addHook("onRoute", (route: RouteOptions) => {
        for (const method of [route.method].flat())
          if (method !== "HEAD") seen[d.name]!.add(`${method.toLowerCase()} ${toOpenApiPath(route.url)}`);
      });
      await d.register(scope, ctx);
    },
  });
  const gw = await startTestGateway(storeTargets[0]!);
  try {
    const app = await buildServer(
      gw.gateway.deps,
      { bodyLimitBytes: 65536, trustedProxies: [], logLevel: "silent", security: gw.gateway.config.security },
      [watch(fullsmsDialect), watch(lox24Dialect)],
    );
    await app.ready();
    await app.close();
  } finally {
    await gw.stop();
  }
  return seen;
}

const documented = (doc: Doc) =>
  new Set(Object.entries(doc.paths).flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m} ${path}`)));

describe("OpenAPI documents", () => {
  const docs = openapiDocuments() as unknown as Record<"lox24" | "fullsms", Doc>;

  for (const name of ["lox24", "fullsms"] as const) {
    it(`${name}: is a valid OpenAPI 3.1 document`, async () => {
      const validator = new Validator();
      const result = await validator.validate(
        structuredClone(docs[name]) as unknown as Parameters<Validator["validate"]>[0],
      );
      assert.equal(validator.version, "3.1");
      assert.ok(result.valid, JSON.stringify(result.errors, null, 2));
    });
  }

  it("documents every registered route, and documents no route that does not exist", async () => {
    const routes = await registeredRoutes();
    for (const name of ["lox24", "fullsms"] as const) {
      const docRoutes = documented(docs[name]);
      assert.ok(routes[name]!.size >= 5, `${name} registered routes were seen`);
      assert.deepEqual(
        [...routes[name]!].filter((r) => !docRoutes.has(r)),
        [],
        `${name}: registered but not documented`,
      );
      assert.deepEqual(
        [...docRoutes].filter((r) => !routes[name]!.has(r)),
        [],
        `${name}: documented but not registered`,
      );
    }
  });

  it("POST /sms's body schema is the route's own zod schema (required fields, limits)", () => {
    const sms = docs.lox24.paths["/sms"]!.post as unknown as {
      requestBody: {
        content: {
          "application/json": {
            schema: { required: string[]; properties: Record<string, { anyOf?: { maxLength?: number }[] }> };
          };
        };
      };
    };
    const schema = sms.requestBody.content["application/json"].schema;
    assert.deepEqual(schema.required, ["text", "sender_id", "phone"]);
    assert.equal(schema.properties.callback_data!.anyOf![0]!.maxLength, 36);
  });

  it("has the seeds' examples and every error status", () => {
    const text = JSON.stringify(docs);
    assert.match(text, /Hello! This is a test SMS message\./);
    assert.match(text, /Unauthenticated - Missing\/Invalid API key/);
    const lox24Post = Object.keys(
      (docs.lox24.paths["/sms"]!.post as unknown as { responses: object }).responses,
    );
    assert.deepEqual(lox24Post.sort(), ["201", "400", "401", "402", "403", "422", "429", "500"]);
    const otpVerify = Object.keys(
      (docs.fullsms.paths["/otp/verify"]!.post as unknown as { responses: object }).responses,
    );
    assert.deepEqual(otpVerify.sort(), ["200", "403", "404", "422", "429", "500"]);
  });
});

for (const target of storeTargets) {
  describe(`OpenAPI served by the gateway (${target.name})`, { skip: target.skip }, () => {
    let gw: TestGateway;
    before(async () => {
      gw = await startTestGateway(target);
    });
    after(() => gw?.stop());

    it("serves both documents and a Swagger UI that loads its files from this server", async () => {
      for (const name of ["lox24", "fullsms"]) {
        const res = await http(gw.url, "GET", `/openapi/${name}.json`);
        assert.equal(res.status, 200);
        assert.equal(res.body.openapi, "3.1.0");
      }
      const page = await http(gw.url, "GET", "/docs");
      assert.equal(page.status, 200);
      assert.match(page.headers.get("content-type")!, /text\/html/);
      const assets = [...page.text.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]!);
      assert.ok(
        assets.every((a) => a.startsWith("/docs/")),
        `no external assets: ${assets.join(", ")}`,
      );
      for (const asset of assets) assert.equal((await http(gw.url, "GET", asset)).status, 200, asset);
    });

    it("every FullSMS body example passes the real route's validation", async () => {
      const bearer = { Authorization: `Bearer ${gw.token.replace(":", "|")}` };
      const fullsms = openapiDocuments().fullsms as unknown as Doc;
      for (const [path, ops] of Object.entries(fullsms.paths)) {
        const body = ops.post?.requestBody?.content["application/json"]?.examples;
        if (!body) continue;
        for (const example of Object.values(body)) {
          const res = await http(gw.url, "POST", path, { body: example.value, headers: bearer });
          // Validation failures are Laravel's `errors` map; a list or sender this account lacks is past validation.
          const shapeErrors = Object.values((res.body?.errors ?? {}) as Record<string, string[]>)
            .flat()
            .filter((m) => !/could not be found/.test(m));
          assert.deepEqual(shapeErrors, [], `${path}: ${res.text}`);
        }
      }
    });
  });
}
