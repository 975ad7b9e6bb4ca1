/**
 * The console's doors: every route refuses an anonymous request, a form without the session's CSRF token
 * is refused, an API token opens nothing, the admin listener is not the API listener, repeated wrong
 * passwords lock an operator out, and logging out ends the session.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { createOperator } from "../../src/app/admin/operators.js";
import { adminRoutes } from "../../src/admin/server.js";
import { type ConsoleClient, consoleLogin, postLogin } from "../helpers/console.js";
import { http, startTestGateway, type TestGateway } from "../helpers/gateway.js";
import { storeTargets } from "../helpers/stores.js";

/** Routes open to anyone: the login form itself, its stylesheet and script, health, and Prometheus' scrape. */
const PUBLIC = new Set(["GET /login", "POST /login", "GET /assets/:file", "GET /health", "GET /metrics"]);
const example = (url: string) =>
  url.replace(":uuid", "0190a0b0-0000-7000-8000-000000000000").replace(/:\w+/g, "1");

for (const target of storeTargets) {
  describe(`console security (${target.name})`, { skip: target.skip }, () => {
    let gw: TestGateway;
    let admin: string;
    let password: string;
    let ops: ConsoleClient;

    before(async () => {
      gw = await startTestGateway(target, { overrides: { "admin.lockoutAttempts": 3 } });
      admin = gw.gateway.adminUrl!;
      password = (await createOperator(gw.gateway.deps, "ops")).password;
      ops = await consoleLogin(admin, "ops", password);
    });
    after(() => gw?.stop());

    it("refuses every console route to an anonymous request (GET → login page, POST → 401)", async () => {
      const routes = adminRoutes(gw.gateway.admin!).filter((r) => !PUBLIC.has(`${r.method} ${r.url}`));
      assert.ok(routes.length >= 15, `console routes seen: ${routes.length}`);
      for (const route of routes) {
        const res = await fetch(`${admin}${example(route.url)}`, {
          method: route.method,
          redirect: "manual",
          ...(route.method === "POST"
            ? { headers: { "content-type": "application/x-www-form-urlencoded" }, body: "name=x&amount=5" }
            : {}),
        });
        if (route.method === "GET") {
          assert.equal(res.status, 303, `${route.method} ${route.url}`);
          assert.equal(res.headers.get("location"), "/login");
        } else if (res.status === 303) {
          // Logging out without a session just goes to the login page.
          assert.equal(res.headers.get("location"), "/login", `${route.method} ${route.url}`);
        } else {
          assert.equal(res.status, 401, `${route.method} ${route.url}`);
        }
      }
      assert.equal((await gw.gateway.store.accounts.list()).length, 1, "no anonymous post changed anything");
    });

    it("refuses a form post without the CSRF token, or with another one", async () => {
      const post = (fields: Record<string, string>) =>
        fetch(`${admin}/accounts`, {
          method: "POST",
          redirect: "manual",
          headers: { cookie: ops.cookie, "content-type": "application/x-www-form-urlencoded" },
          body: new URLSearchParams(fields),
        });
      assert.equal((await post({ name: "sneaky", country: "DE" })).status, 403);
      assert.equal(
        (await post({ name: "sneaky", country: "DE", _csrf: "x".repeat(ops.csrf.length) })).status,
        403,
      );
      const topup = await fetch(`${admin}/accounts/${gw.accountId}/topup`, {
        method: "POST",
        redirect: "manual",
        headers: { cookie: ops.cookie, "content-type": "application/x-www-form-urlencoded" },
        body: "amount=1000",
      });
      assert.equal(topup.status, 403);
      assert.equal((await gw.gateway.store.accounts.list()).length, 1);
      assert.equal((await gw.gateway.store.accounts.get(gw.accountId))!.balanceMicros, 100_000_000);
      // The same post with the token works.
      assert.equal((await ops.post("/accounts", { name: "real", country: "AT" })).status, 303);
      assert.equal((await gw.gateway.store.accounts.list()).length, 2);
      // The login form has its own token too.
      const login = await fetch(`${admin}/login`, {
        method: "POST",
        redirect: "manual",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams({ name: "ops", password }),
      });
      assert.equal(login.status, 403);
    });

    it("does not open for an API token in any of its spellings", async () => {
      const spellings: Record<string, string>[] = [
        { "X-LOX24-AUTH-TOKEN": gw.token },
        { Authorization: `Bearer ${gw.token.replace(":", "|")}` },
        { cookie: `starling_session=${gw.token}` },
      ];
      for (const headers of spellings) {
        const res = await fetch(`${admin}/accounts`, { headers, redirect: "manual" });
        assert.equal(res.status, 303, JSON.stringify(headers));
        assert.equal(res.headers.get("location"), "/login");
      }
    });

    it("keeps the admin listener apart from the API listener", async () => {
      assert.notEqual(new URL(admin).port, new URL(gw.url).port);
      // The console is not on the API port, even with a valid session...
      const onApi = await fetch(`${gw.url}/accounts`, {
        headers: { cookie: ops.cookie },
        redirect: "manual",
      });
      assert.equal(onApi.status, 404);
      assert.doesNotMatch(await onApi.text(), /Starling<\/a>/);
      // ...and the API is not on the admin port.
      const sms = await fetch(`${admin}/me`, {
        headers: { "X-LOX24-AUTH-TOKEN": gw.token },
        redirect: "manual",
      });
      assert.notEqual(sms.status, 200);
      assert.equal(
        (await http(gw.url, "GET", "/me", { headers: { "X-LOX24-AUTH-TOKEN": gw.token } })).status,
        200,
      );
    });

    it("sets the session cookie HttpOnly and SameSite=Strict, and pages carry a strict CSP", async () => {
      const res = await postLogin(admin, "ops", password);
      const cookie = res.headers.getSetCookie().find((c) => c.startsWith("starling_session="))!;
      assert.match(cookie, /HttpOnly/i);
      assert.match(cookie, /SameSite=Strict/i);
      const home = await ops.get("/");
      assert.equal(home.status, 200);
      assert.match(home.headers.get("content-security-policy")!, /script-src 'self'/);
      assert.equal(home.headers.get("cache-control"), "no-store");
    });

    it("locks an operator out after repeated wrong passwords, even for the right one", async () => {
      const other = (await createOperator(gw.gateway.deps, "locked")).password;
      for (let i = 0; i < 2; i++) assert.equal((await postLogin(admin, "locked", "wrong")).status, 401);
      assert.equal((await postLogin(admin, "locked", "wrong")).status, 429);
      assert.equal((await postLogin(admin, "locked", other)).status, 429);
      // Unknown names answer like a wrong password (no lockout to reveal them).
      assert.equal((await postLogin(admin, "nobody", "x")).status, 401);
    });

    it("ends the session on logout", async () => {
      const session = await consoleLogin(admin, "ops", password);
      assert.equal((await session.get("/accounts")).status, 200);
      assert.equal((await session.post("/logout", {})).status, 303);
      assert.equal((await session.get("/accounts")).status, 303);
    });
  });
}
