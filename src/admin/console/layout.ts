/** The page frame: navigation, flash messages, and a CSRF field helper for every form. */
import { type Html, html, when } from "./html.js";

export interface PageContext {
  operator: string;
  csrfToken: string;
  /** Path of the current page, to mark its tab. */
  path: string;
  flash?: { ok?: string | undefined; error?: string | undefined };
}

const NAV: [string, string][] = [
  ["/", "Dashboard"],
  ["/messages", "Messages"],
  ["/accounts", "Accounts"],
  ["/prices", "Prices"],
  ["/connectors", "Connectors"],
  ["/campaigns", "Campaigns"],
  ["/send", "Send a test"],
];

export const csrfField = (ctx: PageContext) =>
  html`<input type="hidden" name="_csrf" value="${ctx.csrfToken}">`;

/** A one-button form (POST with CSRF), optionally asking for confirmation first. */
export function actionButton(
  ctx: PageContext,
  action: string,
  label: string,
  options: { confirm?: string; danger?: boolean } = {},
): Html {
  return html`<form method="post" action="${action}" class="inline"${options.confirm ? html` data-confirm="${options.confirm}"` : ""}>
    ${csrfField(ctx)}<button type="submit"${options.danger ? html` class="danger"` : ""}>${label}</button></form>`;
}

export function frame(title: string, body: Html, ctx?: PageContext): Html {
  const active = (href: string) =>
    ctx && (href === "/" ? ctx.path === "/" : ctx.path.startsWith(href)) ? "active" : "";
  return html`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title} · Starling</title><link rel="stylesheet" href="/assets/console.css"><script src="/assets/console.js" defer></script></head>
<body>
<header class="top"><a class="brand" href="/">Starling</a>
${when(
  ctx,
  () => html`<nav>${NAV.map(([href, label]) => html`<a class="${active(href)}" href="${href}">${label}</a>`)}</nav>
<form method="post" action="/logout" class="logout">${csrfField(ctx!)}<span class="muted">${ctx!.operator}</span> <button type="submit">Log out</button></form>`,
)}
</header>
<main>
<h1>${title}</h1>
${when(ctx?.flash?.ok, () => html`<p class="flash ok" role="status">${ctx!.flash!.ok!}</p>`)}
${when(ctx?.flash?.error, () => html`<p class="flash error" role="alert">${ctx!.flash!.error!}</p>`)}
${body}
</main></body></html>`;
}
