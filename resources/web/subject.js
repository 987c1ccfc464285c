'use strict';
(async () => {
  const { el, api, say } = abis;
  const status = document.getElementById('status');
  const report = document.getElementById('report');
  try { await abis.start('Subject report'); } catch (e) { return; }

  function table(title, lines) {
    const rows = lines.map((l) => el('tr', {}, el('td', {}, l.seq), el('td', {}, l.time), el('td', {}, l.operator),
      el('td', {}, l.role), el('td', {}, l.action), el('td', {}, l.purpose || ''), el('td', {}, l.caseRef || '')));
    return el('section', { 'aria-label': title }, el('h2', {}, title + ' (' + lines.length + ')'),
      el('table', {}, el('thead', {}, el('tr', {}, ...['Seq', 'Time', 'Operator', 'Role', 'Action', 'Purpose', 'Case']
        .map((h) => el('th', { scope: 'col' }, h)))), el('tbody', {}, ...rows)));
  }

  document.getElementById('ask').addEventListener('submit', async (event) => {
    event.preventDefault();
    const person = document.getElementById('person').value.trim();
    let r;
    try {
      r = await api('GET', '/ui/api/subject?person=' + encodeURIComponent(person));
    } catch (e) {
      say(status, 'Refused: ' + e.message, true);
      return;
    }
    say(status, 'Report for ' + r.personId);
    const facts = el('dl', {});
    for (const [name, value] of [['Person', r.personId], ['Legal basis', r.legalBasis], ['Kept until', r.retentionUntil],
      ['Created', r.createdAt], ['Galleries', r.galleries.join(', ') || 'none'],
      ['Templates', r.templates.map((t) => t.modality + ' (' + t.algorithm + ')').join(', ') || 'none']]) {
      facts.append(el('dt', {}, name), el('dd', {}, value));
    }
    report.replaceChildren(facts, table('Searches that returned the person', r.searches), table('Other actions', r.history));
  });
})();
