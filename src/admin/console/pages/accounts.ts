/** Accounts: list and create; one account: top up, disable/enable, services, keys (token shown once). */
import type { FastifyInstance } from "fastify";
import {
  accountDetail,
  changeServices,
  revokeKey,
  setAccountStatus,
  topUp,
} from "../../../app/admin/console.js";
import { createAccount, createKey } from "../../../app/manage-accounts.js";
import { SERVICE_CODES } from "../../../core/message.js";
import { fromMicros } from "../../../core/money.js";
import { AppError } from "../../../errors.js";
import { html, time } from "../html.js";
import { page, redirectWith, sendHtml, type ConsoleOptions } from "../index.js";
import { actionButton, csrfField, frame } from "../layout.js";

type Form = Record<string, string | string[] | undefined>;
const text = (form: Form, name: string) => {
  const v = form[name];
  return (Array.isArray(v) ? v[0] : v)?.trim() ?? "";
};
const accountId = (params: unknown) => {
  const id = Number((params as { id: string }).id);
  if (!Number.isSafeInteger(id)) throw new AppError("not_found", "no such account");
  return id;
};

export function accountPages(options: ConsoleOptions) {
  const { deps } = options;
  return async (app: FastifyInstance) => {
    app.get("/accounts", async (request, reply) => {
      const accounts = await deps.store.accounts.list();
      const ctx = page(request);
      const body = html`<section class="card"><div class="scroll"><table><thead><tr><th>id</th><th>name</th><th>country</th><th>balance</th><th>status</th><th>services</th></tr></thead><tbody>
${accounts.map((a) => html`<tr><td><a href="/accounts/${a.id}">${a.id}</a></td><td><a href="/accounts/${a.id}">${a.name}</a></td><td>${a.country}</td><td>${fromMicros(a.balanceMicros)} ${a.currency}</td><td><span class="badge ${a.status === "active" ? "ok" : "bad"}">${a.status}</span></td><td>${a.services.join(", ")}</td></tr>`)}
</tbody></table></div></section>
<form method="post" action="/accounts" class="card"><h2>New account</h2>${csrfField(ctx)}
  <label>Name <input name="name" required maxlength="100"></label>
  <label>Country (ISO 2) <input name="country" required pattern="[A-Za-z]{2}" maxlength="2" value="DE"></label>
  <label>Currency <input name="currency" pattern="[A-Za-z]{3}" maxlength="3" value="EUR"></label>
  <label>Opening balance <input name="balance" inputmode="decimal" value="0"></label>
  <button type="submit" class="primary">Create account</button>
</form>`;
      return sendHtml(reply, frame("Accounts", body, ctx));
    });

    app.post("/accounts", async (request, reply) => {
      const form = request.body as Form;
      const name = text(form, "name");
      if (!name) throw new AppError("validation", "an account needs a name");
      const account = await createAccount(deps, {
        name,
        country: text(form, "country").toUpperCase(),
        currency: text(form, "currency").toUpperCase() || "EUR",
        balance: text(form, "balance") || 0,
      });
      return redirectWith(reply, `/accounts/${account.id}`, { ok: `Account ${account.id} created.` });
    });

    app.get("/accounts/:id", async (request, reply) => {
      const ctx = page(request);
      const { account: a, keys, webhooks } = await accountDetail(deps, accountId(request.params));
      const active = a.status === "active";
      const body = html`<section class="card"><dl class="facts">
  <dt>name</dt><dd>${a.name}</dd><dt>country</dt><dd>${a.country} (${a.timezone})</dd>
  <dt>balance</dt><dd id="balance">${fromMicros(a.balanceMicros)} ${a.currency}</dd>
  <dt>status</dt><dd><span class="badge ${active ? "ok" : "bad"}" id="status">${a.status}</span>
    ${actionButton(ctx, `/accounts/${a.id}/${active ? "disable" : "enable"}`, active ? "Disable" : "Enable", active ? { confirm: "Disable this account? Its API calls will be refused.", danger: true } : {})}</dd>
  <dt>created</dt><dd>${time(a.createdAt)}</dd>
  <dt>messages</dt><dd><a href="/messages?account=${a.id}">search this account's messages</a></dd>
</dl></section>
<div class="columns">
<form method="post" action="/accounts/${a.id}/topup" class="card"><h2>Top up</h2>${csrfField(ctx)}
  <label>Amount (${a.currency}; negative to take credit away) <input name="amount" inputmode="decimal" required></label>
  <button type="submit" class="primary">Top up</button></form>
<form method="post" action="/accounts/${a.id}/services" class="card"><h2>Services</h2>${csrfField(ctx)}
  ${SERVICE_CODES.map((s) => html`<label class="check"><input type="checkbox" name="services" value="${s}"${a.services.includes(s) ? html` checked` : ""}> ${s}</label>`)}
  <button type="submit">Save services</button></form>
</div>
<section class="card"><h2>API keys</h2>
<div class="scroll"><table><thead><tr><th>id</th><th>name</th><th>created</th><th>state</th><th></th></tr></thead><tbody>
${keys.map(
  (
    k,
  ) => html`<tr><td>${k.id}</td><td>${k.name ?? ""}</td><td>${time(k.createdAt)}</td><td>${k.revokedAt ? html`<span class="badge bad">revoked</span>` : html`<span class="badge ok">active</span>`}</td>
<td>${k.revokedAt ? "" : actionButton(ctx, `/accounts/${a.id}/keys/${k.id}/revoke`, "Revoke", { confirm: `Revoke key ${k.id}? Clients using it stop working.`, danger: true })}</td></tr>`,
)}
</tbody></table></div>
<form method="post" action="/accounts/${a.id}/keys" class="row">${csrfField(ctx)}<label>Key name <input name="name" maxlength="100" placeholder="e.g. shop backend"></label><button type="submit" class="primary">Create key</button></form>
</section>
<section class="card"><h2>Webhooks</h2>${webhooks.length === 0 ? html`<p class="muted">None (add with <code>starling webhooks add ${a.id} URL</code>).</p>` : html`<ul>${webhooks.map((w) => html`<li class="mono">${w.url}</li>`)}</ul>`}</section>`;
      return sendHtml(reply, frame(`Account ${a.id}: ${a.name}`, body, ctx));
    });

    app.post("/accounts/:id/topup", async (request, reply) => {
      const id = accountId(request.params);
      const balance = await topUp(deps, id, text(request.body as Form, "amount"));
      return redirectWith(reply, `/accounts/${id}`, { ok: `Balance is now ${fromMicros(balance)}.` });
    });

    for (const [action, status] of [
      ["disable", "disabled"],
      ["enable", "active"],
    ] as const) {
      app.post(`/accounts/:id/${action}`, async (request, reply) => {
        const id = accountId(request.params);
        await setAccountStatus(deps, id, status);
        return redirectWith(reply, `/accounts/${id}`, { ok: `Account ${id} ${status}.` });
      });
    }

    app.post("/accounts/:id/services", async (request, reply) => {
      const id = accountId(request.params);
      const raw = (request.body as Form).services;
      await changeServices(deps, id, raw === undefined ? [] : [raw].flat());
      return redirectWith(reply, `/accounts/${id}`, { ok: "Services saved." });
    });

    app.post("/accounts/:id/keys", async (request, reply) => {
      const id = accountId(request.params);
      const { key, token } = await createKey(deps, id, text(request.body as Form, "name") || null);
      const ctx = page(request);
      // Rendered here, not redirected: the token exists only in this response.
      const body = html`<section class="card"><p>Key ${key.id} created. Copy its token now: it is stored only as a hash and is never shown again.</p>
<p><code class="token" id="token">${token}</code></p>
<p class="muted small">LOX24: <code>X-LOX24-AUTH-TOKEN: ${token}</code><br>FullSMS: <code>Authorization: Bearer ${token.replace(":", "|")}</code></p>
<p><a href="/accounts/${id}">Back to the account</a></p></section>`;
      return sendHtml(reply, frame("New API key", body, ctx));
    });

    app.post("/accounts/:id/keys/:keyId/revoke", async (request, reply) => {
      const id = accountId(request.params);
      const keyId = Number((request.params as { keyId: string }).keyId);
      await revokeKey(deps, id, keyId);
      return redirectWith(reply, `/accounts/${id}`, { ok: `Key ${keyId} revoked.` });
    });
  };
}
