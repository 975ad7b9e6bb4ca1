/** Log in and out. The login form is protected by a double-submit token (there is no session yet). */
import { randomBytes } from "node:crypto";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { csrfMatches, currentSession, login, logout } from "../../../app/admin/operators.js";
import { html } from "../html.js";
import { frame } from "../layout.js";
import type { ConsoleOptions } from "../index.js";

export const SESSION_COOKIE = "starling_session";
const LOGIN_CSRF_COOKIE = "starling_login";

const cookieOptions = (request: FastifyRequest) => ({
  httpOnly: true,
  sameSite: "strict" as const,
  path: "/",
  secure: request.protocol === "https",
});

function loginForm(reply: FastifyReply, request: FastifyRequest, error?: string, status = 200) {
  const token = randomBytes(24).toString("base64url");
  reply.setCookie(LOGIN_CSRF_COOKIE, token, { ...cookieOptions(request), maxAge: 3600 });
  const body = html`<form method="post" action="/login" class="card narrow">
  <input type="hidden" name="_csrf" value="${token}">
  ${error ? html`<p class="flash error" role="alert">${error}</p>` : ""}
  <label>Operator <input name="name" autocomplete="username" required autofocus></label>
  <label>Password <input name="password" type="password" autocomplete="current-password" required></label>
  <button type="submit" class="primary">Log in</button>
  <p class="muted small">No operator yet? On the gateway's machine run <code>npm run starling -- admins create NAME</code>; it prints a one-time password.</p>
</form>`;
  return reply.code(status).type("text/html; charset=utf-8").send(frame("Log in", body).value);
}

export function loginPages(options: ConsoleOptions) {
  const { deps, policy } = options;
  return async (app: FastifyInstance) => {
    app.get("/login", async (request, reply) => {
      if (await currentSession(deps, request.cookies[SESSION_COOKIE])) return reply.redirect("/", 303);
      return loginForm(reply, request);
    });

    app.post("/login", async (request, reply) => {
      const body = (request.body ?? {}) as Record<string, unknown>;
      const expected = request.cookies[LOGIN_CSRF_COOKIE];
      if (!expected || !csrfMatches(body._csrf, expected)) {
        return reply
          .code(403)
          .type("text/plain")
          .send("The login form was out of date (CSRF check failed). Reload it and try again.");
      }
      const name = typeof body.name === "string" ? body.name.trim() : "";
      const password = typeof body.password === "string" ? body.password : "";
      const result = await login(deps, policy, name, password);
      if (!result.ok) {
        request.log.warn({ operator: name, locked: result.locked }, "console login failed");
        const message = result.locked
          ? `Too many failed attempts: this operator is locked for ${policy.lockoutMinutes} minutes.`
          : "Wrong operator name or password.";
        return loginForm(reply, request, message, result.locked ? 429 : 401);
      }
      request.log.info({ operator: name }, "console login");
      reply.clearCookie(LOGIN_CSRF_COOKIE, { path: "/" });
      reply.setCookie(SESSION_COOKIE, result.token, {
        ...cookieOptions(request),
        expires: new Date(result.expiresAt),
      });
      return reply.redirect("/", 303);
    });

    app.post("/logout", async (request, reply) => {
      const token = request.cookies[SESSION_COOKIE];
      const session = await currentSession(deps, token);
      if (!session) return reply.redirect("/login", 303);
      if (!csrfMatches((request.body as Record<string, unknown> | undefined)?._csrf, session.csrfToken)) {
        return reply.code(403).type("text/plain").send("CSRF check failed.");
      }
      await logout(deps, token!);
      reply.clearCookie(SESSION_COOKIE, { path: "/" });
      return reply.redirect("/login", 303);
    });
  };
}
