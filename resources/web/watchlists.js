'use strict';
(async () => {
  const { el, api, say } = abis;
  const status = document.getElementById('status');
  try { await abis.start('Watchlist entries'); } catch (e) { return; }
  const watchlist = document.getElementById('watchlist');
  const body = document.getElementById('entries');
  const base = () => '/v1/watchlists/' + encodeURIComponent(watchlist.value.trim()) + '/entries';

  async function load() {
    let data;
    try {
      data = await api('GET', base());
    } catch (e) {
      say(status, 'The entries could not be read: ' + e.message, true);
      return;
    }
    body.replaceChildren();
    const entries = data.entries || [];
    say(status, entries.length + ' entr' + (entries.length === 1 ? 'y' : 'ies') + ' on ' + watchlist.value.trim());
    for (const entry of entries) {
      let end = '';
      if (entry.status === 'ACTIVE') {
        const reason = el('input', { type: 'text', 'aria-label': 'Reason for ending entry ' + entry.entryId, maxlength: 1000 });
        const button = el('button', { type: 'button' }, 'End entry ' + entry.entryId);
        button.addEventListener('click', async () => {
          if (!reason.value.trim()) { say(status, 'A reason is required to end an entry.', true); reason.focus(); return; }
          try {
            await api('POST', base() + '/' + encodeURIComponent(entry.entryId) + '/end?reason=' + encodeURIComponent(reason.value.trim()));
            await load();
            say(status, 'Entry ' + entry.entryId + ' ended.');
          } catch (e) { say(status, 'Refused: ' + e.message, true); }
        });
        end = el('span', {}, reason, ' ', button);
      } else if (entry.endReason) {
        end = 'ended by ' + entry.endedBy + ': ' + entry.endReason;
      }
      body.append(el('tr', {}, el('td', {}, entry.entryId), el('td', {}, entry.personId), el('td', {}, entry.authorityReference),
        el('td', {}, entry.reason), el('td', {}, entry.expiresAt), el('td', {}, entry.status), el('td', {}, end)));
    }
  }
  document.getElementById('choose').addEventListener('submit', (event) => { event.preventDefault(); load(); });
  document.getElementById('add').addEventListener('submit', async (event) => {
    event.preventDefault();
    try {
      const added = await api('POST', base(), {
        personId: document.getElementById('add-person').value.trim(),
        authorityReference: document.getElementById('add-authority').value.trim(),
        reason: document.getElementById('add-reason').value.trim(),
        expiresAt: document.getElementById('add-expires').value,
      });
      await load();
      say(status, 'Entry ' + added.entryId + ' added.');
    } catch (e) { say(status, 'Refused: ' + e.message, true); }
  });
})();
