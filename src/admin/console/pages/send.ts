/** "Send a test message": as an account, through the same use case as the APIs, then to its timeline. */
import type { FastifyInstance } from "fastify";
import { sendTestMessage } from "../../../app/admin/console.js";
import { AppError } from "../../../errors.js";
import { html } from "../html.js";
import { page, redirectWith, sendHtml, type ConsoleOptions } from "../index.js";
import { csrfField, frame } from "../layout.js";

type Form = Record<string, string | undefined>;

export function sendPage(options: ConsoleOptions) {
  const { deps } = options;
  return async (app: FastifyInstance) => {
    app.get("/send", async (request, reply) => {
      const ctx = page(request);
      const q = request.query as Form;
      const accounts = (await deps.store.accounts.list()).filter((a) => a.status === "active");
      const body = html`<form method="post" action="/send" class="card narrow">${csrfField(ctx)}
  <label>Account <select name="account" required>${accounts.map((a) => html`<option value="${a.id}"${q.account === String(a.id) ? html` selected` : ""}>${a.id} · ${a.name}</option>`)}</select></label>
  <label>Sender <input name="sender" required value="Starling" maxlength="15"></label>
  <label>To <input name="phone" required type="tel" placeholder="+491701234567"></label>
  <label>Text <textarea name="text" required rows="3">Test message from the Starling console</textarea></label>
  <button type="submit" class="primary">Send</button>
  <p class="muted small">Charged to the account like an API send; watch it in its timeline.</p>
</form>`;
      return sendHtml(reply, frame("Send a test message", body, ctx));
    });

    app.post("/send", async (request, reply) => {
      const form = request.body as Form;
      const accountId = Number(form.account);
      if (!Number.isSafeInteger(accountId)) throw new AppError("validation", "choose an account");
      try {
        const message = await sendTestMessage(deps, {
          accountId,
          phone: form.phone ?? "",
          text: form.text ?? "",
          sender: form.sender ?? "",
        });
        return redirectWith(reply, `/messages/${message.uuid}`, {
          ok: "Sent. This page shows its progress; reload to follow it.",
        });
      } catch (error) {
        if (error instanceof AppError) {
          const detail =
            error.violations.length > 0
              ? error.violations.map((v) => `${v.field}: ${v.message}`).join("; ")
              : error.message;
          return redirectWith(reply, `/send?account=${accountId}`, { error: `Not sent: ${detail}` });
        }
        throw error;
      }
    });
  };
}
