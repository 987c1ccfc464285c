'use strict';
(async () => {
  const { el, api, say } = abis;
  const status = document.getElementById('status');
  const queue = document.getElementById('queue');
  try { await abis.start('Review queue'); } catch (e) { return; }

  async function load() {
    const query = new URLSearchParams();
    for (const name of ['case', 'purpose', 'state']) {
      const value = document.getElementById('filter-' + name).value.trim();
      if (value) query.set(name, value);
    }
    let reviews;
    try {
      reviews = await api('GET', '/ui/api/reviews?' + query.toString());
    } catch (e) {
      say(status, 'The queue could not be read: ' + e.message, true);
      return;
    }
    queue.replaceChildren();
    say(status, reviews.length + ' candidate(s) waiting for a decision');
    const byCase = new Map();
    for (const review of reviews) {
      if (!byCase.has(review.caseRef)) byCase.set(review.caseRef, []);
      byCase.get(review.caseRef).push(review);
    }
    for (const [caseRef, list] of byCase) {
      const section = el('section', { 'aria-label': 'Case ' + caseRef }, el('h2', {}, 'Case ' + caseRef));
      const rows = list.map((r) => el('tr', {},
        el('td', {}, el('a', { href: '/ui/candidates/' + encodeURIComponent(r.candidateId) }, 'Candidate ' + r.candidateId)),
        el('td', {}, r.externalId),
        el('td', {}, r.gallery),
        el('td', {}, r.purpose),
        el('td', {}, 'search ' + r.searchSeq),
        el('td', {}, r.state.replace('_', ' ') + (r.decidedByMe ? ' (you decided)' : ''))));
      section.append(el('table', {},
        el('thead', {}, el('tr', {}, el('th', { scope: 'col' }, 'Candidate'), el('th', { scope: 'col' }, 'Person'),
          el('th', { scope: 'col' }, 'Gallery'), el('th', { scope: 'col' }, 'Purpose'), el('th', { scope: 'col' }, 'Search'),
          el('th', { scope: 'col' }, 'State'))),
        el('tbody', {}, ...rows)));
      queue.append(section);
    }
  }
  document.getElementById('filters').addEventListener('submit', (event) => { event.preventDefault(); load(); });
  load();
})();
