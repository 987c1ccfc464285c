'use strict';
(async () => {
  const { el, api, say } = abis;
  const status = document.getElementById('status');
  try { await abis.start('Alerts'); } catch (e) { return; }
  let data;
  try {
    data = await api('GET', '/v1/alerts?limit=1000');
  } catch (e) {
    say(status, 'The alerts could not be read: ' + e.message, true);
    return;
  }
  const alerts = Array.isArray(data) ? data : (data.alerts || []);
  say(status, alerts.length + ' alert(s)');
  const body = document.getElementById('alerts');
  for (const a of alerts) {
    const candidate = a.candidateId
      ? el('a', { href: '/ui/candidates/' + encodeURIComponent(a.candidateId) }, 'Candidate ' + a.candidateId) : '—';
    body.append(el('tr', {}, el('td', {}, a.alertId ?? a.id), el('td', {}, a.createdAt ?? a.raisedAt ?? ''),
      el('td', {}, a.gallery ?? a.watchlist ?? ''), el('td', {}, a.externalId ?? a.personId ?? ''),
      el('td', {}, candidate), el('td', {}, a.caseRef ?? '')));
  }
})();
