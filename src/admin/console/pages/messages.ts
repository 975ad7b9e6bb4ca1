/** Message search (uuid, phone, account, status, dates) and one message's timeline. */
import type { FastifyInstance } from "fastify";
import { messageDetail, searchMessages } from "../../../app/admin/console.js";
import type { Message } from "../../../core/message.js";
import { fromMicros } from "../../../core/money.js";
import { html, time } from "../html.js";
import { page, sendHtml, type ConsoleOptions } from "../index.js";
import { frame } from "../layout.js";

const STATUSES = ["", "queued", "enroute", "delivered", "expired", "rejected", "cancelled"];

export function messageState(m: Pick<Message, "statusCode" | "dlrCode">): { label: string; tone: string } {
  if (m.dlrCode === 1) return { label: "delivered", tone: "ok" };
  if (m.dlrCode === 8) return { label: "expired", tone: "bad" };
  if (m.dlrCode === 16) return { label: "rejected", tone: "bad" };
  if (m.statusCode === 6000) return { label: "cancelled", tone: "muted" };
  if (m.statusCode === 5000) return { label: "no route", tone: "bad" };
  if (m.statusCode === 100) return { label: "en route", tone: "wait" };
  if (m.dlrCode === 2) return { label: "scheduled", tone: "wait" };
  return { label: "queued", tone: "wait" };
}

export function messagePages(options: ConsoleOptions) {
  const { deps } = options;
  return async (app: FastifyInstance) => {
    app.get("/messages", async (request, reply) => {
      const q = request.query as Record<string, string | undefined>;
      const searched = Object.entries(q).some(([k, v]) => !["ok", "error"].includes(k) && v);
      const results = await searchMessages(deps, q);
      const field = (name: string, label: string, type = "text", placeholder = "") =>
        html`<label>${label} <input name="${name}" type="${type}" value="${q[name] ?? ""}" placeholder="${placeholder}"></label>`;
      const body = html`<form method="get" action="/messages" class="card filters">
  ${field("uuid", "Message uuid")} ${field("phone", "Phone", "search", "+49170…")} ${field("account", "Account id", "number")}
  <label>Status <select name="status">${STATUSES.map((s) => html`<option value="${s}"${q.status === s ? html` selected` : ""}>${s || "any"}</option>`)}</select></label>
  ${field("from", "From", "date")} ${field("to", "To", "date")}
  <button type="submit" class="primary">Search</button>
</form>
<section class="card"><h2>${searched ? `${results.length} found` : "Latest messages"}${results.length === 100 ? " (first 100)" : ""}</h2>
<div class="scroll"><table><thead><tr><th>created</th><th>uuid</th><th>account</th><th>to</th><th>state</th><th>parts</th><th>price</th></tr></thead><tbody>
${results.map((m) => {
  const s = messageState(m);
  return html`<tr><td>${time(m.createdAt)}</td><td><a href="/messages/${m.uuid}" class="mono">${m.uuid.slice(0, 13)}…</a></td><td><a href="/accounts/${m.accountId}">${m.accountId}</a></td><td class="mono">${m.phone}</td><td><span class="badge ${s.tone}">${s.label}</span></td><td>${m.partsCount}</td><td>${fromMicros(m.priceMicros)}</td></tr>`;
})}
</tbody></table></div>${results.length === 0 ? html`<p class="muted">No message matches.</p>` : ""}</section>`;
      return sendHtml(reply, frame("Messages", body, page(request)));
    });

    app.get("/messages/:uuid", async (request, reply) => {
      const { uuid } = request.params as { uuid: string };
      const { trace, timeline } = await messageDetail(deps, uuid.toLowerCase());
      const m = trace.message;
      const s = messageState(m);
      const body = html`<section class="card"><dl class="facts">
  <dt>uuid</dt><dd class="mono">${m.uuid}</dd>
  <dt>state</dt><dd><span class="badge ${s.tone}" data-state="${s.label}">${s.label}</span> status_code ${m.statusCode}, dlr_code ${m.dlrCode}</dd>
  <dt>account</dt><dd><a href="/accounts/${m.accountId}">${m.accountId}</a></dd>
  <dt>from → to</dt><dd class="mono">${m.senderId} → ${m.phone} (${m.iso2 ?? "?"})</dd>
  <dt>text</dt><dd>${m.text ?? html`<span class="muted">(deleted)</span>`}</dd>
  <dt>price</dt><dd>${fromMicros(m.priceMicros)} for ${m.partsCount} part(s), ${m.charsCount} characters</dd>
  ${m.callbackData ? html`<dt>callback data</dt><dd>${m.callbackData}</dd>` : ""}
  ${m.bulkId ? html`<dt>campaign</dt><dd class="mono">${m.bulkId}</dd>` : ""}
</dl></section>
<section class="card"><h2>Timeline</h2><ol class="timeline">
${timeline.map((e) => html`<li class="${e.tone}"><span class="when">${time(e.at, true)}</span> <b>${e.what}</b> <span class="detail">${e.detail}</span></li>`)}
</ol><p class="muted small">Every submit attempt and webhook POST is listed, from whichever process made it,
for the validity period; older ones are purged.</p></section>`;
      return sendHtml(reply, frame(`Message ${m.uuid.slice(0, 8)}`, body, page(request)));
    });
  };
}
