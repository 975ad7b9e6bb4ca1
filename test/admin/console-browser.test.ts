/**
 * The console in a real browser (Debian's chromium): an operator logs in, creates an account and a key,
 * sends a test message and sees it delivered in its timeline, tops the account up, disables it, and the
 * API then refuses the key. Screenshots of every page go to test-artifacts/console/.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import type { Page } from "playwright-core";
import { createOperator } from "../../src/app/admin/operators.js";
import { ARTIFACTS, chromiumMissing, launchBrowser } from "../helpers/browser.js";
import { http, startTestGateway, type TestGateway } from "../helpers/gateway.js";
import { startWebhookReceiver } from "../helpers/webhook-receiver.js";
import { storeTargets } from "../helpers/stores.js";

describe("console in chromium", { skip: chromiumMissing }, () => {
  let gw: TestGateway;
  let browser: Awaited<ReturnType<typeof launchBrowser>>;
  let page: Page;
  let admin: string;
  let hooks: Awaited<ReturnType<typeof startWebhookReceiver>>;
  const shot = (name: string) => page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });

  before(async () => {
    gw = await startTestGateway(storeTargets[0]!, {
      overrides: {
        "delivery.enabled": true,
        "delivery.simulator.enabled": true,
        "delivery.simulator.port": 0,
        "delivery.simulator.receiptDelayMs": 20,
        "delivery.pollIntervalMs": 20,
        "webhooks.enabled": true,
        "webhooks.baseDelayMs": 50,
      },
    });
    admin = gw.gateway.adminUrl!;
    hooks = await startWebhookReceiver([500]); // the first callback fails once
    browser = await launchBrowser();
    page = await browser.context.newPage();
    page.on("dialog", (dialog) => dialog.accept());
  });
  after(async () => {
    await browser?.close();
    await hooks?.close();
    await gw?.stop();
  });

  it("runs an account from log-in to disabled, and the API follows", async () => {
    const { password } = await createOperator(gw.gateway.deps, "ops");
    await page.goto(`${admin}/accounts`);
    assert.match(page.url(), /\/login$/, "an anonymous visit lands on the login page");
    await shot("01-login");
    await page.fill('input[name="name"]', "ops");
    await page.fill('input[name="password"]', password);
    await page.click('button[type="submit"]');
    // A one-time password must be replaced first.
    await page.waitForURL(`${admin}/password`);
    await shot("01b-change-password");
    await page.fill('input[name="current"]', password);
    await page.fill('input[name="next"]', "correct horse battery staple");
    await page.fill('input[name="again"]', "correct horse battery staple");
    await page.click('form[action="/password"] button[type="submit"]');
    await page.waitForURL(/\/\?ok=/);
    await page.locator("svg.chart").waitFor();
    await shot("02-dashboard");

    // Create an account and a key.
    await page.goto(`${admin}/accounts`);
    await page.fill('form[action="/accounts"] input[name="name"]', "Browser Co");
    await page.fill('form[action="/accounts"] input[name="balance"]', "10");
    await page.click('form[action="/accounts"] button[type="submit"]');
    await page.waitForURL(/\/accounts\/\d+\?ok=/);
    const accountId = Number(/accounts\/(\d+)/.exec(page.url())![1]);
    await shot("03-account");
    await page.fill('form[action$="/keys"] input[name="name"]', "browser test");
    await page.click('form[action$="/keys"] button[type="submit"]');
    const token = (await page.locator("#token").textContent())!.trim();
    assert.match(token, /^\d+:[\w-]+$/);
    await shot("04-key-created");
    assert.equal(
      (await http(gw.url, "GET", "/me", { headers: { "X-LOX24-AUTH-TOKEN": token } })).status,
      200,
    );

    await gw.gateway.store.webhooks.add(accountId, hooks.url, Date.now());
    // Send a test message and watch it delivered in its timeline, with its webhook's failed and retried POST.
    await page.goto(`${admin}/send`);
    await page.selectOption('select[name="account"]', String(accountId));
    await page.fill('input[name="phone"]', "+491701234567");
    await page.click('form[action="/send"] button[type="submit"]');
    await page.waitForURL(/\/messages\/[0-9a-f-]{36}/);
    const deadline = Date.now() + 20_000;
    const done = async () =>
      (await page.locator("[data-state]").getAttribute("data-state")) === "delivered" &&
      /webhook sms\.delivery \(dlr_code 1\): delivered/.test((await page.locator("ol.timeline").textContent()) ?? "");
    while (!(await done())) {
      assert.ok(Date.now() < deadline, "the message was delivered within 20 s");
      await page.waitForTimeout(250);
      await page.reload();
    }
    const timeline = await page.locator("ol.timeline").textContent();
    assert.match(timeline!, /accepted/);
    assert.match(timeline!, /submitted/);
    assert.match(timeline!, /part 1: DELIVRD/);
    assert.match(timeline!, /submit attempt\s*connector simulator: accepted/);
    assert.match(timeline!, /webhook attempt failed\s*http:\/\/127\.0\.0\.1:\d+\/hook → HTTP 500/);
    assert.match(timeline!, /webhook attempt\s*http:\/\/127\.0\.0\.1:\d+\/hook → HTTP 2\d\d/);
    await shot("05-message-timeline");

    // Top up, then disable: the API refuses the key.
    await page.goto(`${admin}/accounts/${accountId}`);
    const before = Number((await page.locator("#balance").textContent())!.split(" ")[0]);
    await page.fill('form[action$="/topup"] input[name="amount"]', "5");
    await page.click('form[action$="/topup"] button[type="submit"]');
    await page.waitForURL(/ok=/);
    const after = Number((await page.locator("#balance").textContent())!.split(" ")[0]);
    assert.equal(Math.round((after - before) * 100), 500);
    await page.click('form[action$="/disable"] button[type="submit"]');
    await page.waitForURL(/ok=/);
    assert.equal(await page.locator("#status").textContent(), "disabled");
    await shot("06-account-disabled");
    const refused = await http(gw.url, "POST", "/sms", {
      body: { sender_id: "Starling", phone: "+491701234567", text: "refused" },
      headers: { "X-LOX24-AUTH-TOKEN": token, Accept: "application/json" },
    });
    assert.equal(refused.status, 403, refused.text);

    // The remaining pages render (and are saved for a look), on a laptop and on a phone.
    for (const [name, path] of [
      ["07-messages", "/messages"],
      ["08-accounts", "/accounts"],
      ["09-prices", "/prices"],
      ["10-connectors", "/connectors"],
      ["11-campaigns", "/campaigns"],
      ["12-send", "/send"],
    ] as const) {
      const res = await page.goto(`${admin}${path}`);
      assert.equal(res?.status(), 200, path);
      await shot(name);
    }
    await page.goto(`${admin}/connectors`);
    // The SMSC simulator's row (the SIP simulator, when espeak-ng is installed, has its own).
    const connectorRow = (await page
      .locator("table tbody tr", { hasText: /^\s*simulator\s*up/ })
      .first()
      .textContent())!;
    assert.match(connectorRow, /simulator\s*up/);
    assert.match(connectorRow, /0\.02/, "one message in the last minute: 0.02 sent per second");
    // The API reference: Swagger UI from this gateway's own files, both dialects.
    await page.goto(`${gw.url}/docs`);
    await page.locator(".swagger-ui .info .title").waitFor();
    assert.match((await page.locator(".swagger-ui .info .title").textContent())!, /LOX24/);
    assert.ok((await page.locator(".opblock").count()) >= 8, "LOX24 operations listed");
    await shot("12b-api-docs");
    await page.goto(`${admin}/`);
    assert.ok((await page.locator("svg.chart rect").count()) >= 1, "the chart shows this minute's message");
    await shot("13-dashboard-after");
    await page.setViewportSize({ width: 390, height: 844 });
    await page.goto(`${admin}/`);
    await shot("14-phone-dashboard");
    await page.goto(`${admin}/accounts/${accountId}`);
    await shot("15-phone-account");
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 1, `the account page fits a phone's width (overflow ${overflow}px)`);
  });
});
