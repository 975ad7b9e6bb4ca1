/**
 * /openapi/lox24.json, /openapi/fullsms.json and /docs (Swagger UI from the swagger-ui-dist package's own
 * files: no CDN, nothing to build), on the API port so "Try it out" calls this gateway.
 */
import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import type { FastifyInstance } from "fastify";
import { buildDocument } from "./document.js";
import { fullsmsDoc } from "./fullsms.js";
import { lox24Doc } from "./lox24.js";

const VERSION = "0.1.0";
export const openapiDocuments = () => ({
  lox24: buildDocument(lox24Doc, VERSION),
  fullsms: buildDocument(fullsmsDoc, VERSION),
});

const UI_DIR = dirname(createRequire(import.meta.url).resolve("swagger-ui-dist/package.json"));
const UI_FILES: Record<string, string> = {
  "swagger-ui.css": "text/css; charset=utf-8",
  "swagger-ui-bundle.js": "text/javascript; charset=utf-8",
  "swagger-ui-standalone-preset.js": "text/javascript; charset=utf-8",
  "favicon-32x32.png": "image/png",
};

const PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Starling API reference</title><link rel="stylesheet" href="/docs/swagger-ui.css"><link rel="icon" href="/docs/favicon-32x32.png">
</head><body><div id="ui"></div>
<script src="/docs/swagger-ui-bundle.js"></script><script src="/docs/swagger-ui-standalone-preset.js"></script>
<script src="/docs/init.js"></script></body></html>`;
// A file of its own rather than an inline script, so a strict Content-Security-Policy can forbid inline code.
const INIT = `window.ui = SwaggerUIBundle({ urls: [{ url: "/openapi/lox24.json", name: "LOX24" }, { url: "/openapi/fullsms.json", name: "FullSMS" }],
  dom_id: "#ui", deepLinking: true, validatorUrl: null, presets: [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset], layout: "StandaloneLayout" });`;

export async function docsRoutes(app: FastifyInstance): Promise<void> {
  const docs = openapiDocuments();
  app.get("/openapi/lox24.json", async (_request, reply) => reply.type("application/json").send(docs.lox24));
  app.get("/openapi/fullsms.json", async (_request, reply) =>
    reply.type("application/json").send(docs.fullsms),
  );
  app.get("/docs", async (_request, reply) => reply.type("text/html; charset=utf-8").send(PAGE));
  app.get("/docs/init.js", async (_request, reply) =>
    reply.type("text/javascript; charset=utf-8").send(INIT),
  );
  app.get("/docs/:file", async (request, reply) => {
    const { file } = request.params as { file: string };
    const type = UI_FILES[file];
    if (!type) return reply.code(404).type("text/plain").send("Not Found");
    return reply
      .type(type)
      .header("cache-control", "public, max-age=86400")
      .send(await readFile(join(UI_DIR, file)));
  });
}
