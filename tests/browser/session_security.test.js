// Sign-in, the session cookie's flags, the security headers of every page, CSRF, sign-out and
// session expiry of the examiner workstation, in headless Chromium (no biometric data needed).
// Usage: node session_security.test.js ABIS_BINARY (exit 77: skipped).
'use strict';
const fs = require('fs');
const path = require('path');
const { browserTools, launch, Store, serve, http, check, failed, screenshot, click } = require('./harness');

const abis = process.argv[2];
if (!abis || !fs.existsSync(abis)) { console.log('usage: node session_security.test.js ABIS_BINARY'); process.exit(2); }
const tools = browserTools();
const CSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; object-src 'none'; " +
  "base-uri 'none'; frame-ancestors 'none'; form-action 'self'";

async function signIn(browser, base, key) {
  const context = await browser.createBrowserContext();
  const page = await context.newPage();
  await page.goto(base + '/');
  await (await page.waitForSelector('aria/API key[role="textbox"]')).type(key);
  await Promise.all([page.waitForNavigation(), click(page, 'aria/Sign in[role="button"]')]);
  await page.waitForSelector('aria/Sign out[role="button"]');
  return { context, page };
}

(async () => {
  const store = new Store(abis);
  let server = null;
  let shortServer = null;
  let browser = null;
  try {
    store.addUser('examiner1', 'examiner');
    server = await serve(abis, store.store);
    const base = server.url;

    // Every page and script carries the headers.
    for (const page of ['/', '/ui/static/common.js', '/ui/static/app.css']) {
      const r = await http(base + page);
      check(r.status === 200 && r.headers.get('content-security-policy') === CSP &&
        r.headers.get('x-content-type-options') === 'nosniff' && r.headers.get('referrer-policy') === 'no-referrer',
      page + ' carries the CSP, nosniff and no-referrer');
    }
    const html = (await http(base + '/')).text + (await http(base + '/ui/static/reviews.js')).text;
    check(!/<script>[^<]/.test(html) && !/\son[a-z]+=/.test((await http(base + '/')).text), 'the sign-in page has no inline script');
    const noSession = await http(base + '/ui/reviews');
    check(noSession.status === 303 && noSession.headers.get('location') === '/', 'a page without a session sends the browser to sign in');
    const noSessionApi = await http(base + '/ui/api/session');
    check(noSessionApi.status === 401, 'the session endpoint without a session is 401');

    browser = await launch(tools);
    // A wrong key is refused, and the page says so.
    {
      const context = await browser.createBrowserContext();
      const page = await context.newPage();
      const first = await page.goto(base + '/');
      check(first.headers()['content-security-policy'] === CSP, 'the browser receives the CSP');
      await screenshot(page, 'signin');
      await (await page.waitForSelector('aria/API key[role="textbox"]')).type('abis_0000000000000000_' + '0'.repeat(64));
      await Promise.all([page.waitForNavigation(), click(page, 'aria/Sign in[role="button"]')]);
      const alert = await page.$eval('[role="alert"]', (el) => el.textContent);
      check(/not accepted/.test(alert), 'a wrong key is refused on the page: ' + alert);
      check((await page.cookies()).length === 0, 'and no cookie is set');
      await context.close();
    }
    // A good key: the cookie's flags; the key is nowhere in the browser's storage.
    const { context, page } = await signIn(browser, base, store.keys.examiner1);
    const cookies = await page.cookies();
    const cookie = cookies.find((c) => c.name === 'abis_session');
    check(cookie && cookie.httpOnly && cookie.sameSite === 'Strict' && cookie.path === '/' && /^[0-9a-f]{64}$/.test(cookie.value),
      'the session cookie is HttpOnly, SameSite=Strict, Path=/ and a 256-bit token');
    check(!cookie.value.includes(store.keys.examiner1.slice(22, 40)), 'the cookie is not the key');
    const storage = await page.evaluate(() => document.cookie + JSON.stringify(localStorage) + JSON.stringify(sessionStorage));
    check(!storage.includes('abis_'), 'neither the key nor the session is readable by scripts or kept in storage');
    // Keyboard: the controls are reachable with Tab and named.
    const focusable = await page.evaluate(() => [...document.querySelectorAll('a, button, input, select')]
      .every((el) => el.tabIndex >= 0 && (el.labels?.length || el.textContent.trim() || el.getAttribute('aria-label'))));
    check(focusable, 'every control of the queue is focusable and named');
    // CSRF: with the cookie but without the token the sign-out is refused; with it, it works.
    const forged = await page.evaluate(async () => (await fetch('/ui/api/session/end', { method: 'POST' })).status);
    check(forged === 403, 'a change of state without the CSRF token is refused (' + forged + ')');
    const wrong = await page.evaluate(async () => (await fetch('/ui/api/session/end',
      { method: 'POST', headers: { 'X-CSRF-Token': 'f'.repeat(64) } })).status);
    check(wrong === 403, 'a wrong CSRF token is refused (' + wrong + ')');
    await Promise.all([page.waitForNavigation(), click(page, 'aria/Sign out[role="button"]')]);
    check(new URL(page.url()).pathname === '/', 'sign-out returns to the sign-in page');
    const after = await http(base + '/ui/api/session', { headers: { Cookie: 'abis_session=' + cookie.value } });
    check(after.status === 401, 'the ended session is refused afterwards (' + after.status + ')');
    const audit = store.cli('admin', 'audit', 'export', '--operator', 'examiner1');
    check(/"session\.start"/.test(audit) && /"session\.end"/.test(audit), 'sign-in and sign-out are audited');
    check(!audit.includes(cookie.value), 'the audit never holds the session token');
    await context.close();

    // Expiry: a service whose sessions last 3 s. The session endpoint is polled until refused,
    // and the open page goes back to sign-in by itself.
    shortServer = await serve(abis, store.store, ['--session-minutes', '0.05']);
    const short = await signIn(browser, shortServer.url, store.keys.examiner1);
    check(new URL(short.page.url()).pathname === '/ui/reviews', 'signed in on the short-session service');
    await short.page.waitForFunction(async () => (await fetch('/ui/api/session')).status === 401, { polling: 100, timeout: 10000 });
    check(true, 'the session expires');
    await short.page.waitForFunction(() => window.location.pathname === '/', { polling: 100, timeout: 10000 });
    check(true, 'the page returns to sign-in when the session expires');
    await short.context.close();
  } catch (error) {
    check(false, 'unexpected error: ' + (error && error.stack ? error.stack : error));
  } finally {
    if (browser) await browser.close();
    if (server) await server.stop();
    if (shortServer) await shortServer.stop();
    store.remove();
  }
  process.exit(failed() ? 1 : 0);
})();
