// Shared by the examiner workstation's pages. Record text only ever reaches the page through
// textContent (never innerHTML); the session's CSRF token is held in memory, never in storage.
'use strict';
const abis = (() => {
  let session = null;

  function el(tag, attributes, ...children) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attributes || {})) {
      if (value === false || value === null || value === undefined) continue;
      node.setAttribute(name, value === true ? '' : String(value));
    }
    for (const child of children) {
      if (child === null || child === undefined) continue;
      node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return node;
  }

  async function api(method, url, body) {
    const headers = { Accept: 'application/json' };
    if (method !== 'GET' && session) headers['X-CSRF-Token'] = session.csrfToken;
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    const response = await fetch(url, {
      method, headers, credentials: 'same-origin',
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (response.status === 401) {
      window.location.assign('/');
      throw new Error('the session has ended');
    }
    const text = await response.text();
    let data = null;
    try { data = text ? JSON.parse(text) : null; } catch (e) { data = null; }
    if (!response.ok) {
      const message = data && data.message ? data.message : 'HTTP ' + response.status;
      const error = new Error(message);
      error.status = response.status;
      throw error;
    }
    return data;
  }

  // Loads the session, draws the header (navigation, who, sign out) and ends the page when the
  // session expires.
  async function start(title) {
    session = await api('GET', '/ui/api/session');
    const signOut = el('button', { type: 'button', id: 'sign-out' }, 'Sign out');
    signOut.addEventListener('click', async () => {
      try { await api('POST', '/ui/api/session/end'); } catch (e) { /* ended anyway */ }
      window.location.assign('/');
    });
    const header = el('header', {},
      el('nav', { 'aria-label': 'Pages' },
        el('a', { href: '/ui/reviews' }, 'Review queue'), ' ',
        el('a', { href: '/ui/alerts' }, 'Alerts'), ' ',
        el('a', { href: '/ui/watchlists' }, 'Watchlists'), ' ',
        el('a', { href: '/ui/subjects' }, 'Subject report'), ' ',
        el('a', { href: '/ui/audit' }, 'Audit log')),
      el('span', { class: 'who' }, session.user + ' (' + session.role + ')'),
      signOut);
    document.body.prepend(header);
    document.title = title + ' | ABIS';
    setTimeout(() => window.location.assign('/'), Math.max(0, session.expiresInMs) + 250);
    return session;
  }

  function say(node, text, isError) {
    node.textContent = text;
    node.classList.toggle('error', Boolean(isError));
  }

  return { el, api, start, say, get session() { return session; } };
})();
