/** Prices per SMS part by destination country: list, set one, import a CSV (pasted, or read from a file by the page). */
import type { FastifyInstance } from "fastify";
import { importPrices, setPrice } from "../../../app/prices.js";
import { fromMicros } from "../../../core/money.js";
import { html } from "../html.js";
import { page, redirectWith, sendHtml, type ConsoleOptions } from "../index.js";
import { csrfField, frame } from "../layout.js";

type Form = Record<string, string | undefined>;

export function pricePages(options: ConsoleOptions) {
  const { deps } = options;
  return async (app: FastifyInstance) => {
    app.get("/prices", async (request, reply) => {
      const ctx = page(request);
      const prices = await deps.store.prices.list();
      const body = html`<p class="muted">Countries without a row use the default price per part, ${fromMicros(deps.pricing.defaultPricePerPartMicros)}.</p>
<div class="columns">
<section class="card"><h2>${prices.length} countries</h2><div class="scroll short"><table><thead><tr><th>country</th><th>price per part</th></tr></thead><tbody>
${prices.map((p) => html`<tr><td>${p.iso2}</td><td>${fromMicros(p.pricePerPartMicros)}</td></tr>`)}
</tbody></table></div></section>
<div>
<form method="post" action="/prices" class="card"><h2>Set a price</h2>${csrfField(ctx)}
  <label>Country (ISO 2) <input name="iso2" required pattern="[A-Za-z]{2}" maxlength="2"></label>
  <label>Price per part <input name="price" required inputmode="decimal"></label>
  <button type="submit" class="primary">Save</button></form>
<form method="post" action="/prices/import" class="card"><h2>Import CSV</h2>${csrfField(ctx)}
  <p class="muted small">Rows <code>ISO2,PRICE_PER_PART</code>; a header row is skipped; bad rows are listed and not applied.</p>
  <label>File <input type="file" accept=".csv,text/csv" data-fills="csv"></label>
  <label>or paste <textarea name="csv" id="csv" rows="6" required placeholder="country,price&#10;DE,0.056&#10;AT,0.061"></textarea></label>
  <button type="submit">Import</button></form>
</div></div>`;
      return sendHtml(reply, frame("Prices", body, ctx));
    });

    app.post("/prices", async (request, reply) => {
      const form = request.body as Form;
      const { iso2, micros } = await setPrice(deps, form.iso2 ?? "", form.price ?? "");
      return redirectWith(reply, "/prices", { ok: `${iso2}: ${fromMicros(micros)} per part.` });
    });

    app.post("/prices/import", async (request, reply) => {
      const { imported, errors } = await importPrices(deps, (request.body as Form).csv ?? "");
      const flash: { ok: string; error?: string } = { ok: `Imported ${imported} price(s).` };
      if (errors.length > 0)
        flash.error = `Skipped: ${errors.slice(0, 10).join("; ")}${errors.length > 10 ? ` and ${errors.length - 10} more` : ""}`;
      return redirectWith(reply, "/prices", flash);
    });
  };
}
