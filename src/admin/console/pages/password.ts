/** Changing the operator's own password; required before anything else while it is the one-time one. */
import type { FastifyInstance } from "fastify";
import { changePassword, MIN_PASSWORD_LENGTH } from "../../../app/admin/operators.js";
import { AppError } from "../../../errors.js";
import { html } from "../html.js";
import { type ConsoleOptions, page, redirectWith, sendHtml } from "../index.js";
import { csrfField, frame } from "../layout.js";

type Form = Record<string, string | undefined>;

export function passwordPage(options: ConsoleOptions) {
  return async (app: FastifyInstance) => {
    app.get("/password", async (request, reply) => {
      const ctx = page(request);
      const body = html`<form method="post" action="/password" class="card narrow">${csrfField(ctx)}
  ${ctx.mustChangePassword ? html`<p>Replace the one-time password before you go on.</p>` : ""}
  <label>Current password <input name="current" type="password" autocomplete="current-password" required></label>
  <label>New password (at least ${MIN_PASSWORD_LENGTH} characters) <input name="next" type="password" autocomplete="new-password" minlength="${MIN_PASSWORD_LENGTH}" required></label>
  <label>New password again <input name="again" type="password" autocomplete="new-password" required></label>
  <button type="submit" class="primary">Change password</button>
</form>`;
      return sendHtml(reply, frame("Change password", body, ctx));
    });

    app.post("/password", async (request, reply) => {
      const form = request.body as Form;
      if ((form.next ?? "") !== (form.again ?? ""))
        throw new AppError("validation", "the two new passwords differ");
      await changePassword(options.deps, page(request).operator, form.current ?? "", form.next ?? "");
      return redirectWith(reply, "/", { ok: "Password changed." });
    });
  };
}
