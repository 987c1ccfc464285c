'use strict';
(async () => {
  const { el, api, say } = abis;
  const status = document.getElementById('status');
  const verification = document.getElementById('verification');
  try { await abis.start('Audit log'); } catch (e) { return; }

  document.getElementById('verify').addEventListener('click', async () => {
    say(verification, 'Verifying…');
    try {
      const v = await api('GET', '/ui/api/audit/verify');
      if (v.intact) say(verification, 'The chain is intact: ' + v.entries + ' entries, head ' + v.headHash);
      else say(verification, 'The chain is BROKEN at entry ' + v.firstBadSeq + ': ' + v.problem, true);
    } catch (e) { say(verification, 'Refused: ' + e.message, true); }
  });

  async function load() {
    const query = new URLSearchParams();
    for (const [name, id] of [['action', 'f-action'], ['operator', 'f-operator'], ['case', 'f-case'], ['since', 'f-since'], ['until', 'f-until']]) {
      const value = document.getElementById(id).value.trim();
      if (value) query.set(name, value);
    }
    let data;
    try {
      data = await api('GET', '/ui/api/audit?' + query.toString());
    } catch (e) {
      say(status, 'Refused: ' + e.message, true);
      return;
    }
    say(status, data.total + ' matching entr' + (data.total === 1 ? 'y' : 'ies') + (data.total > data.entries.length ? ' (the newest ' + data.entries.length + ' shown)' : ''));
    const body = document.getElementById('entries');
    body.replaceChildren();
    for (const e of data.entries.slice().reverse()) {
      body.append(el('tr', {}, el('td', {}, e.seq), el('td', {}, e.time), el('td', {}, e.operator), el('td', {}, e.role),
        el('td', {}, e.action), el('td', {}, e.purpose || ''), el('td', {}, e.case_ref || ''),
        el('td', {}, JSON.stringify(e.result ?? ''))));
    }
  }
  document.getElementById('filters').addEventListener('submit', (event) => { event.preventDefault(); load(); });
})();
