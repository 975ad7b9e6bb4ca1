/** Connectors and routes (state, binds, pace, last error) and campaigns (progress, cancel). */
import type { FastifyInstance } from "fastify";
import { cancelCampaign } from "../../../app/admin/console.js";
import { fromMicros } from "../../../core/money.js";
import { html, time } from "../html.js";
import { page, redirectWith, sendHtml, type ConsoleOptions } from "../index.js";
import { actionButton, frame } from "../layout.js";

export function systemPages(options: ConsoleOptions) {
  const { deps, board } = options;
  return async (app: FastifyInstance) => {
    app.get("/connectors", async (request, reply) => {
      const connectors = board.snapshot();
      const body = html`<section class="card"><h2>Connectors</h2><div class="scroll"><table><thead><tr><th>id</th><th>state</th><th>since</th><th>binds</th><th>window in use</th><th>waiting</th><th>sent /s (1 min)</th><th>allowed /s</th><th>last error</th></tr></thead><tbody>
${connectors.map(
  (
    c,
  ) => html`<tr><td>${c.id}</td><td><span class="badge ${c.up ? "ok" : "bad"}">${c.up ? "up" : "down"}</span></td><td>${time(c.since)}</td><td>${c.binds}</td>
<td>${c.load?.inFlight ?? "–"}</td><td>${c.load?.waiting ?? "–"}</td><td>${c.throughput.toFixed(2)}</td><td>${c.load ? (Number.isFinite(c.load.rate) ? c.load.rate.toFixed(0) : "no limit") : "–"}</td><td>${c.lastError ? html`${c.lastError} <span class="muted">(${time(c.lastErrorAt)})</span>` : html`<span class="muted">none</span>`}</td></tr>`,
)}
</tbody></table></div>${connectors.length === 0 ? html`<p class="muted">None: delivery is off or no connector is configured.</p>` : ""}</section>
<section class="card"><h2>Routes</h2><p class="muted small">Tried in order; a route's connectors in order while the first is down.</p>
<div class="scroll"><table><thead><tr><th>#</th><th>prefixes</th><th>countries</th><th>accounts</th><th>connectors</th></tr></thead><tbody>
${board.routes.map((r, i) => html`<tr><td>${i + 1}</td><td>${r.prefixes.join(", ") || "any"}</td><td>${r.countries.join(", ") || "any"}</td><td>${r.accountIds.join(", ") || "any"}</td><td>${r.connectors.join(" → ")}</td></tr>`)}
</tbody></table></div></section>`;
      return sendHtml(reply, frame("Connectors and routes", body, page(request)));
    });

    app.get("/campaigns", async (request, reply) => {
      const ctx = page(request);
      const campaigns = await deps.store.operator.recentCampaigns(100);
      const body = html`<section class="card"><div class="scroll"><table><thead><tr><th>created</th><th>id</th><th>account</th><th>kind</th><th>status</th><th>enqueued</th><th>skipped</th><th>debited</th><th></th></tr></thead><tbody>
${campaigns.map(
  (
    c,
  ) => html`<tr><td>${time(c.createdAt)}</td><td class="mono"><a href="/messages?account=${c.accountId}">${c.id.slice(0, 13)}…</a></td><td><a href="/accounts/${c.accountId}">${c.accountId}</a></td><td>${c.kind}</td>
<td><span class="badge ${c.status === "done" ? "ok" : c.status === "failed" ? "bad" : "wait"}">${c.status}</span>${c.failureReason ? html` <span class="muted small">${c.failureReason}</span>` : ""}</td>
<td>${c.enqueued}</td><td>${c.skipped}</td><td>${fromMicros(c.debitedMicros)}</td>
<td>${c.status === "failed" ? "" : actionButton(ctx, `/campaigns/${c.id}/cancel`, "Cancel", { confirm: "Cancel this campaign? Messages not yet sent are cancelled and refunded.", danger: true })}</td></tr>`,
)}
</tbody></table></div>${campaigns.length === 0 ? html`<p class="muted">No campaigns yet (FullSMS /messages/send/to_lists and to_numbers create them).</p>` : ""}</section>`;
      return sendHtml(reply, frame("Campaigns", body, ctx));
    });

    app.post("/campaigns/:id/cancel", async (request, reply) => {
      const { id } = request.params as { id: string };
      const { cancelled } = await cancelCampaign(deps, id);
      return redirectWith(reply, "/campaigns", {
        ok: `Campaign cancelled; ${cancelled} message(s) not yet sent were cancelled and refunded.`,
      });
    });
  };
}
