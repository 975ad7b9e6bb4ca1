/** Dashboard: messages per minute (an SVG chart drawn here, no script), delivered share, queue, connectors, webhooks. */
import type { FastifyInstance } from "fastify";
import { dashboard } from "../../../app/admin/console.js";
import type { ThroughputBucket } from "../../../store/ports/index.js";
import { type Html, html } from "../html.js";
import { page, sendHtml, type ConsoleOptions } from "../index.js";
import { frame } from "../layout.js";

/** Stacked bars per minute: delivered, failed, the rest (pending); a 60-minute window. */
export function throughputChart(buckets: ThroughputBucket[], since: number, minutes: number): Html {
  const width = 600;
  const height = 160;
  const bar = width / minutes;
  const byMinute = new Map(buckets.map((b) => [Math.floor((b.at - since) / 60_000), b]));
  const max = Math.max(1, ...buckets.map((b) => b.accepted));
  const y = (n: number) => (n / max) * (height - 20);
  const bars: Html[] = [];
  for (let i = 0; i < minutes; i++) {
    const b = byMinute.get(i);
    if (!b) continue;
    const x = (i * bar).toFixed(1);
    const w = Math.max(1, bar - 1).toFixed(1);
    const pending = b.accepted - b.delivered - b.failed;
    let top = height;
    for (const [n, cls] of [
      [b.delivered, "delivered"],
      [b.failed, "failed"],
      [pending, "pending"],
    ] as const) {
      if (n <= 0) continue;
      top -= y(n);
      bars.push(
        html`<rect class="${cls}" x="${x}" y="${top.toFixed(1)}" width="${w}" height="${y(n).toFixed(1)}"><title>${n} ${cls}</title></rect>`,
      );
    }
  }
  return html`<svg class="chart" viewBox="0 0 ${width} ${height}" role="img" aria-label="Messages per minute, last ${minutes} minutes">
  <text x="2" y="12" class="axis">${max}/min</text><line x1="0" y1="${height - 0.5}" x2="${width}" y2="${height - 0.5}" class="axis"></line>${bars}</svg>
  <p class="legend"><span class="key delivered"></span> delivered <span class="key failed"></span> failed <span class="key pending"></span> pending · by minute of acceptance, last ${minutes} minutes</p>`;
}

export function dashboardPage(options: ConsoleOptions) {
  return async (app: FastifyInstance) => {
    app.get("/", async (request, reply) => {
      const d = await dashboard(options.deps, 60);
      const connectors = options.board.snapshot();
      const share = d.deliveredShare === null ? "–" : `${(d.deliveredShare * 100).toFixed(1)} %`;
      const backlog = (d.outbox.pending ?? 0) as number;
      const body = html`<section class="tiles">
  <div class="tile"><b>${d.totals.accepted}</b><span>accepted, last hour</span></div>
  <div class="tile"><b>${share}</b><span>delivered of finished</span></div>
  <div class="tile"><b>${d.queue.map((q) => q.depth).reduce((a, b) => a + b, 0)}</b><span>queued (${d.queue.map((q) => `${q.lane} ${q.depth}`).join(", ")})</span></div>
  <div class="tile ${backlog > 0 ? "warn" : ""}"><b>${backlog}</b><span>webhooks waiting${d.outbox.dead ? html`, <a href="/messages">${d.outbox.dead} dead</a>` : ""}</span></div>
</section>
<section class="card"><h2>Messages per minute</h2>${throughputChart(d.throughput, d.since, 60)}</section>
<section class="card"><h2>Connectors</h2>
<table><thead><tr><th>connector</th><th>state</th><th>window in use</th></tr></thead><tbody>
${connectors.map((c) => html`<tr><td><a href="/connectors">${c.id}</a></td><td><span class="badge ${c.up ? "ok" : "bad"}">${c.up ? "up" : "down"}</span></td><td>${c.load ? c.load.inFlight : "–"}</td></tr>`)}
${connectors.length === 0 ? html`<tr><td colspan="3" class="muted">No connectors configured.</td></tr>` : ""}
</tbody></table></section>
<p class="muted small">API reference: <a href="${options.apiUrl}/docs">${options.apiUrl}/docs</a> · Prometheus: <a href="/metrics">/metrics</a></p>`;
      return sendHtml(reply, frame("Dashboard", body, page(request)));
    });
  };
}
