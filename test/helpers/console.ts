/** A logged-in console session over plain HTTP: cookies and the CSRF token, as a browser keeps them. */
import assert from "node:assert/strict";

export interface ConsoleClient {
  cookie: string;
  csrf: string;
  get(path: string): Promise<Response>;
  /** A form post with the session's CSRF token (unless `_csrf` is given in fields). */
  post(path: string, fields: Record<string, string>): Promise<Response>;
}

const cookiesOf = (res: Response) =>
  res.headers
    .getSetCookie()
    .map((c) => c.split(";")[0]!)
    .filter((c) => !c.endsWith("="));

export async function loginForm(base: string): Promise<{ cookie: string; csrf: string }> {
  const res = await fetch(`${base}/login`, { redirect: "manual" });
  assert.equal(res.status, 200);
  const csrf = /name="_csrf" value="([^"]+)"/.exec(await res.text())![1]!;
  return { cookie: cookiesOf(res).join("; "), csrf };
}

export async function postLogin(base: string, name: string, password: string): Promise<Response> {
  const form = await loginForm(base);
  return fetch(`${base}/login`, {
    method: "POST",
    redirect: "manual",
    headers: { cookie: form.cookie, "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ _csrf: form.csrf, name, password }),
  });
}

export async function consoleLogin(base: string, name: string, password: string): Promise<ConsoleClient> {
  const res = await postLogin(base, name, password);
  assert.equal(res.status, 303, await res.text());
  const cookie = cookiesOf(res).find((c) => c.startsWith("starling_session="))!;
  assert.ok(cookie, "session cookie set");
  const home = await fetch(`${base}/`, { headers: { cookie } });
  const csrf = /name="_csrf" value="([^"]+)"/.exec(await home.text())![1]!;
  return {
    cookie,
    csrf,
    get: (path) => fetch(`${base}${path}`, { headers: { cookie }, redirect: "manual" }),
    post: (path, fields) =>
      fetch(`${base}${path}`, {
        method: "POST",
        redirect: "manual",
        headers: { cookie, "content-type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams({ _csrf: csrf, ...fields }),
      }),
  };
}
