/**
 * The operator console on the admin listener: server-rendered pages, a session cookie (HttpOnly,
 * SameSite=Strict), a CSRF token on every form, no script or style from anywhere but this server.
 */
import { readFile } from "node:fs/promises";
import fastifyCookie from "@fastify/cookie";
import fastifyFormbody from "@fastify/formbody";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { csrfMatches, currentSession, type LoginPolicy } from "../../app/admin/operators.js";
import type { AppDeps } from "../../app/deps.js";
import { AppError } from "../../errors.js";
import type { ConnectorBoard } from "../connector-board.js";
import { html } from "./html.js";
import { frame, type PageContext } from "./layout.js";
import { accountPages } from "./pages/accounts.js";
import { dashboardPage } from "./pages/dashboard.js";
import { loginPages, SESSION_COOKIE } from "./pages/login.js";
import { messagePages } from "./pages/messages.js";
import { passwordPage } from "./pages/password.js";
import { pricePages } from "./pages/prices.js";
import { sendPage } from "./pages/send.js";
import { systemPages } from "./pages/system.js";

export interface ConsoleOptions {
  deps: AppDeps;
  policy: LoginPolicy;
  board: ConnectorBoard;
  /** The public API's base URL (links to /docs). */
  apiUrl: string;
}

declare module "fastify" {
  interface FastifyRequest {
    page?: PageContext;
  }
}

const ASSETS: Record<string, string> = {
  "console.css": "text/css; charset=utf-8",
  "console.js": "text/javascript; charset=utf-8",
};

const SECURITY_HEADERS = {
  "content-security-policy":
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
  "x-content-type-options": "nosniff",
  "referrer-policy": "same-origin",
  "x-frame-options": "DENY",
};

const STATUS: Partial<Record<string, number>> = {
  validation: 400,
  not_found: 404,
  conflict: 409,
  unprocessable: 422,
  forbidden: 403,
};

/** After a form: back to a page with a message (Post/Redirect/Get, so a reload does not post twice). */
export function redirectWith(
  reply: FastifyReply,
  path: string,
  flash: { ok?: string; error?: string },
): FastifyReply {
  const query = new URLSearchParams(flash as Record<string, string>).toString();
  return reply.redirect(`${path}${path.includes("?") ? "&" : "?"}${query}`, 303);
}

/** The page a form came from, as a path on this server only (never a redirect elsewhere). */
function refererPath(referer: string | undefined): string | undefined {
  if (!referer) return undefined;
  try {
    const path = new URL(referer, "http://console.invalid").pathname;
    return path.startsWith("/") && !path.startsWith("//") ? path : undefined;
  } catch {
    return undefined;
  }
}

export function page(request: FastifyRequest): PageContext {
  return request.page!;
}

export function consolePlugin(options: ConsoleOptions) {
  return async (app: FastifyInstance) => {
    await app.register(fastifyCookie);
    await app.register(fastifyFormbody, { bodyLimit: 1024 * 1024 });
    app.addHook("onSend", async (_request, reply, payload) => {
      reply.headers(SECURITY_HEADERS);
      if (!reply.hasHeader("cache-control")) reply.header("cache-control", "no-store");
      return payload;
    });

    app.get("/assets/:file", async (request, reply) => {
      const { file } = request.params as { file: string };
      const type = ASSETS[file];
      if (!type) return reply.code(404).type("text/plain").send("Not Found");
      const body = await readFile(new URL(`./assets/${file}`, import.meta.url));
      return reply.type(type).header("cache-control", "public, max-age=300").send(body);
    });

    await app.register(loginPages(options));

    // Everything else needs an operator's session; forms need its CSRF token too.
    await app.register(async (scope) => {
      scope.addHook("preHandler", async (request, reply) => {
        const session = await currentSession(options.deps, request.cookies[SESSION_COOKIE]);
        if (!session) {
          if (request.method === "GET") return reply.redirect("/login", 303);
          return reply.code(401).type("text/plain").send("Log in first.");
        }
        if (
          request.method !== "GET" &&
          !csrfMatches((request.body as Record<string, unknown> | undefined)?._csrf, session.csrfToken)
        ) {
          return reply
            .code(403)
            .type("text/plain")
            .send("The form was out of date (CSRF check failed). Go back, reload and try again.");
        }
        const path = request.url.split("?")[0]!;
        if (session.admin.mustChangePassword && path !== "/password") {
          if (request.method === "GET") return reply.redirect("/password", 303);
          return reply.code(403).type("text/plain").send("Replace the one-time password first (/password).");
        }
        const query = request.query as Record<string, string | undefined>;
        request.page = {
          operator: session.admin.name,
          csrfToken: session.csrfToken,
          path,
          mustChangePassword: session.admin.mustChangePassword,
          flash: { ok: query.ok, error: query.error },
        };
      });
      scope.setErrorHandler((error, request, reply) => {
        const appError = error instanceof AppError ? error : undefined;
        const status = appError
          ? (STATUS[appError.code] ?? 500)
          : ((error as { statusCode?: number }).statusCode ?? 500);
        if (status >= 500) request.log.error({ err: error }, "console error");
        const message =
          status >= 500 ? "Something went wrong; the log has the details." : (error as Error).message;
        if (request.method === "POST" && status < 500 && request.page) {
          const back = request.page.path.replace(/\/[^/]+$/, "") || "/";
          return redirectWith(reply, refererPath(request.headers.referer) ?? back, { error: message });
        }
        return reply
          .code(status)
          .type("text/html; charset=utf-8")
          .send(
            frame(
              "Problem",
              html`<p class="flash error">${message}</p><p><a href="/">Dashboard</a></p>`,
              request.page,
            ).value,
          );
      });
      for (const pages of [
        dashboardPage,
        messagePages,
        accountPages,
        pricePages,
        systemPages,
        sendPage,
        passwordPage,
      ]) {
        await scope.register(pages(options));
      }
    });
  };
}

export const sendHtml = (reply: FastifyReply, body: { value: string }, status = 200) =>
  reply.code(status).type("text/html; charset=utf-8").send(body.value);
