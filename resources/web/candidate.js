'use strict';
(async () => {
  const { el, api, say } = abis;
  const status = document.getElementById('status');
  const match = window.location.pathname.match(/^\/ui\/candidates\/([0-9]+)$/);
  if (!match) return;
  const id = match[1];
  try { await abis.start('Candidate ' + id); } catch (e) { return; }

  let review;
  try {
    review = await api('GET', '/ui/api/candidates/' + id);
  } catch (e) {
    say(status, 'The candidate could not be read: ' + e.message, true);
    return;
  }

  function showFacts() {
    document.getElementById('title').textContent = 'Candidate ' + review.candidateId;
    const facts = document.getElementById('facts');
    facts.replaceChildren();
    for (const [name, value] of [['Person', review.externalId], ['Gallery', review.gallery], ['Case', review.caseRef],
      ['Purpose', review.purpose], ['Search', review.searchSeq], ['State', review.state.replace('_', ' ')]]) {
      facts.append(el('dt', {}, name), el('dd', {}, value));
    }
    const decisions = document.getElementById('decisions');
    decisions.replaceChildren();
    for (const d of review.decisions) {
      decisions.append(el('li', {}, d.examiner + ': ' + d.decision + ' (' + d.decidedAt + ') — ' + d.comment));
    }
    if (review.decisions.length === 0) decisions.append(el('li', {}, 'none yet'));
  }
  showFacts();

  // Blind mode (default): the rank and scores stay hidden until the examiner asks for them.
  const scores = document.getElementById('scores');
  const lnLr = Number(review.fusedLnLr);
  scores.append(el('p', {}, 'Rank ' + review.rank + ' in search ' + review.searchSeq),
    el('p', {}, 'Fused log-likelihood ratio (natural log): ' + lnLr.toFixed(2) +
      ' (LR ≈ ' + Math.exp(Math.min(lnLr, 700)).toPrecision(3) + ')'));
  const blind = document.getElementById('blind');
  blind.addEventListener('click', () => {
    const hidden = scores.classList.toggle('hidden');
    for (const node of document.querySelectorAll('.evidence')) node.classList.toggle('hidden', hidden);
    blind.setAttribute('aria-pressed', String(hidden));
    blind.textContent = hidden ? 'Show scores and rank' : 'Hide scores and rank (blind mode)';
  });

  // Probe and candidate side by side, per modality, with one zoom and pan for both.
  function pairView(modality, probe, candidate, probeIndex) {
    const view = { scale: 1, x: 0, y: 0 };
    const images = [];
    const found = (review.comparisons || []).find((c) => c.probeId === probe.id);
    const overlay = modality === 'finger' && found && found.sampleId === candidate.id && found.examinerView &&
      found.examinerView.probe ? found.examinerView : null;
    const canvas = overlay ? el('canvas', { class: 'overlay', 'aria-hidden': 'true' }) : null;
    let showMinutiae = true;
    function apply() {
      for (const img of images) img.style.transform = `translate(${view.x}px, ${view.y}px) scale(${view.scale})`;
      drawOverlay();
    }
    // The minutiae of both prints over the images (same zoom and pan), and a line between each
    // pair the matcher made, drawn from the coordinates the server computed for this page only.
    function drawOverlay() {
      if (!canvas || !canvas.parentNode) return;
      const host = canvas.parentNode.getBoundingClientRect();
      canvas.width = Math.round(host.width);
      canvas.height = Math.round(host.height);
      const g = canvas.getContext('2d');
      g.clearRect(0, 0, canvas.width, canvas.height);
      if (!showMinutiae) return;
      const places = [];
      for (const [index, print] of [overlay.probe, overlay.candidate].entries()) {
        const img = images[index];
        if (!img || !img.naturalWidth || !img.isConnected) return;
        const box = img.parentNode.getBoundingClientRect();
        const across = print.width > 0 ? print.width : img.naturalWidth;
        const ratio = img.clientWidth / across * view.scale;
        const left = box.left - host.left + img.parentNode.clientLeft;
        const top = box.top - host.top + img.parentNode.clientTop;
        places.push({
          box: [box.left - host.left, box.top - host.top, box.width, box.height],
          at: (m) => [left + view.x + m[0] * ratio, top + view.y + m[1] * ratio],
        });
      }
      const colours = { ending: '#e00000', bifurcation: '#0060ff', other: '#808080' };
      for (const [index, print] of [overlay.probe, overlay.candidate].entries()) {
        const place = places[index];
        g.save();
        g.beginPath();
        g.rect(...place.box);
        g.clip();
        g.lineWidth = 1.5;
        for (const m of print.minutiae) {
          const [x, y] = place.at(m);
          g.strokeStyle = colours[m[3]] || colours.other;
          g.beginPath();
          g.arc(x, y, 4, 0, 2 * Math.PI);
          g.moveTo(x, y);
          g.lineTo(x + 10 * Math.cos(m[2]), y - 10 * Math.sin(m[2]));
          g.stroke();
        }
        g.restore();
      }
      g.strokeStyle = '#00b000';
      g.lineWidth = 1;
      for (const [a, b] of overlay.pairs) {
        const p = overlay.probe.minutiae[a];
        const q = overlay.candidate.minutiae[b];
        if (!p || !q) continue;
        const [x1, y1] = places[0].at(p);
        const [x2, y2] = places[1].at(q);
        g.beginPath();
        g.moveTo(x1, y1);
        g.lineTo(x2, y2);
        g.stroke();
      }
    }
    function zoom(factor) { view.scale = Math.min(8, Math.max(0.5, view.scale * factor)); apply(); }
    function pane(kind, sample) {
      const alt = kind === 'Probe'
        ? 'Probe ' + modality + ' ' + probeIndex
        : 'Candidate ' + modality + ', sample ' + sample.id;
      const src = '/ui/api/candidates/' + encodeURIComponent(id) + '/' + (kind === 'Probe' ? 'probes' : 'samples') + '/' +
        encodeURIComponent(sample.id) + '/image';
      const img = el('img', { src, alt, draggable: 'false' });
      img.addEventListener('load', drawOverlay);
      img.addEventListener('error', () => { img.replaceWith(el('p', {}, alt + ': no picture the browser can show')); });
      images.push(img);
      const box = el('div', { class: 'pane', tabindex: '0', role: 'group', 'aria-label': alt + ' (arrow keys pan, + and - zoom)' },
        img, el('span', { class: 'label' }, kind));
      let drag = null;
      box.addEventListener('pointerdown', (e) => { drag = { x: e.clientX - view.x, y: e.clientY - view.y }; box.setPointerCapture(e.pointerId); });
      box.addEventListener('pointermove', (e) => { if (drag) { view.x = e.clientX - drag.x; view.y = e.clientY - drag.y; apply(); } });
      box.addEventListener('pointerup', () => { drag = null; });
      box.addEventListener('wheel', (e) => { e.preventDefault(); zoom(e.deltaY < 0 ? 1.2 : 1 / 1.2); }, { passive: false });
      box.addEventListener('keydown', (e) => {
        const step = 20;
        if (e.key === 'ArrowLeft') view.x -= step; else if (e.key === 'ArrowRight') view.x += step;
        else if (e.key === 'ArrowUp') view.y -= step; else if (e.key === 'ArrowDown') view.y += step;
        else if (e.key === '+' || e.key === '=') { zoom(1.2); return; } else if (e.key === '-') { zoom(1 / 1.2); return; }
        else return;
        e.preventDefault();
        apply();
      });
      return box;
    }
    const zoomIn = el('button', { type: 'button' }, 'Zoom in');
    const zoomOut = el('button', { type: 'button' }, 'Zoom out');
    const reset = el('button', { type: 'button' }, 'Reset view');
    zoomIn.addEventListener('click', () => zoom(1.2));
    zoomOut.addEventListener('click', () => zoom(1 / 1.2));
    reset.addEventListener('click', () => { view.scale = 1; view.x = 0; view.y = 0; apply(); });
    let evidence = null;
    if (found) {
      const best = found.sampleId === candidate.id ? ' (best of the candidate\'s samples)' : '';
      const fmr = found.fmr === null || found.fmr === undefined ? 'unknown' : Number(found.fmr).toPrecision(2);
      evidence = el('p', { class: 'scores hidden evidence' },
        'Score ' + Number(found.score).toFixed(3) + ', log-LR ' + Number(found.lnLr).toFixed(2) +
        ', FMR at this score ' + fmr + (found.matchedPairs ? ', ' + found.matchedPairs + ' minutiae paired' : '') + best);
    }
    const controls = el('p', { role: 'group', 'aria-label': 'View of ' + modality + ' ' + probeIndex }, zoomIn, ' ', zoomOut, ' ', reset);
    const pair = el('div', { class: 'pair' }, pane('Probe', probe), pane('Candidate', candidate), canvas);
    if (modality === 'face') {
      const crops = el('div', { class: 'crops' }, alignedCrop('Probe', probe, probeIndex), alignedCrop('Candidate', candidate, probeIndex));
      return el('div', {}, pair, crops, evidence, controls);
    }
    if (overlay) {
      pair.dataset.minutiae = overlay.probe.minutiae.length + '/' + overlay.candidate.minutiae.length;
      pair.dataset.pairs = String(overlay.pairs.length);
      const toggle = el('button', { type: 'button', 'aria-pressed': 'true' }, 'Minutiae and pairs');
      toggle.addEventListener('click', () => {
        showMinutiae = !showMinutiae;
        toggle.setAttribute('aria-pressed', String(showMinutiae));
        drawOverlay();
      });
      controls.append(' ', toggle);
      window.addEventListener('resize', drawOverlay);
    }
    return el('div', {}, pair, evidence, controls);
  }

  // Face: the crop the face engine embeds (detector landmarks, similarity transform to the
  // model's input), fetched as a blob so that a face the server cannot align is said in text.
  function alignedCrop(kind, sample, probeIndex) {
    const alt = kind === 'Probe' ? 'Probe aligned face ' + probeIndex : 'Candidate aligned face, sample ' + sample.id;
    const figure = el('figure', { class: 'crop' }, el('figcaption', {}, kind + ' aligned'));
    const url = '/ui/api/candidates/' + encodeURIComponent(id) + '/' + (kind === 'Probe' ? 'probes' : 'samples') + '/' +
      encodeURIComponent(sample.id) + '/image/aligned';
    const fail = (why) => figure.append(el('p', { class: 'no-crop' }, alt + ': ' + why));
    fetch(url, { credentials: 'same-origin' }).then(async (response) => {
      if (!response.ok) {
        let message = 'HTTP ' + response.status;
        try { message = (await response.json()).message || message; } catch (e) { /* not JSON */ }
        fail('no aligned face (' + message + ')');
        return;
      }
      const src = URL.createObjectURL(await response.blob());
      const img = el('img', { src, alt });
      img.addEventListener('load', () => URL.revokeObjectURL(src));
      img.addEventListener('error', () => { URL.revokeObjectURL(src); img.replaceWith(el('p', { class: 'no-crop' }, alt + ': not a picture')); });
      figure.prepend(img);
    }).catch(() => fail('the aligned face could not be loaded'));
    return figure;
  }

  // DNA: the locus-by-locus table of a probe and the candidate's best profile (text only).
  function lrText(lr) {
    if (lr === null || lr === undefined) return '—';
    const value = Number(lr);
    return value === 0 ? '0 (excludes)' : value.toPrecision(3);
  }
  function locusTable(probe, probeIndex) {
    const found = (review.comparisons || []).find((c) => c.probeId === probe.id);
    const view = found && found.examinerView;
    if (!view || !Array.isArray(view.loci)) {
      return el('p', {}, 'DNA probe ' + probeIndex + ': no locus comparison with the candidate.');
    }
    const caption = 'Loci of DNA probe ' + probeIndex + ' and candidate profile, sample ' + found.sampleId +
      ' (match at ' + view.stringency + ' stringency; LR in population ' + view.population + ')';
    const head = el('tr', {}, el('th', { scope: 'col' }, 'Locus'), el('th', { scope: 'col' }, 'Probe alleles'),
      el('th', { scope: 'col' }, 'Candidate alleles'), el('th', { scope: 'col' }, 'Match class'),
      el('th', { scope: 'col', class: 'evidence hidden' }, 'Locus LR'));
    const body = el('tbody');
    for (const row of view.loci) {
      body.append(el('tr', { class: 'locus-' + String(row.class).replace(/[^a-z]+/g, '-') },
        el('th', { scope: 'row' }, String(row.locus)),
        el('td', {}, row.probe === null ? '—' : String(row.probe)),
        el('td', {}, row.candidate === null ? '—' : String(row.candidate)),
        el('td', {}, String(row.class)),
        el('td', { class: 'evidence hidden' }, lrText(row.lr))));
    }
    const blindMode = scores.classList.contains('hidden');
    const table = el('table', { class: 'loci' }, el('caption', {}, caption), el('thead', {}, head), body);
    for (const node of table.querySelectorAll('.evidence')) node.classList.toggle('hidden', blindMode);
    return table;
  }

  const comparisons = document.getElementById('comparisons');
  const modalities = ['face', 'finger', 'dna'];
  for (const modality of modalities) {
    const probes = review.probes.filter((p) => p.modality === modality);
    const samples = review.candidateSamples.filter((s) => s.modality === modality);
    if (probes.length === 0 && samples.length === 0) continue;
    const section = el('section', { 'aria-label': modality }, el('h2', {}, modality === 'dna' ? 'DNA' : modality[0].toUpperCase() + modality.slice(1)));
    if (modality === 'dna') {
      section.append(el('p', {}, 'DNA profiles: ' + probes.length + ' probe(s), ' + samples.length + ' candidate profile(s).'));
      probes.forEach((probe, index) => section.append(locusTable(probe, index + 1)));
    } else if (probes.length === 0) {
      section.append(el('p', {}, 'The search kept no ' + modality + ' probe (searched from stored data or before probes were kept).'));
    } else {
      probes.forEach((probe, index) => {
        const sameFinger = samples.filter((s) => modality !== 'finger' || probe.position === 0 || s.position === probe.position);
        for (const sample of (sameFinger.length ? sameFinger : samples).slice(0, 4)) {
          section.append(pairView(modality, probe, sample, index + 1));
        }
      });
    }
    comparisons.append(section);
  }
  if (!comparisons.childElementCount) comparisons.append(el('p', {}, 'Nothing to compare was kept for this candidate.'));
  for (const error of review.comparisonErrors || []) comparisons.append(el('p', {}, 'Not compared: ' + error));

  // The decision: the server enforces the rules (never on your own search; two examiners).
  const form = document.getElementById('decide');
  const reason = document.getElementById('reason');
  for (const button of form.querySelectorAll('button[data-decision]')) {
    button.addEventListener('click', async () => {
      if (!reason.value.trim()) {
        reason.setCustomValidity('Give the reason for your decision.');
        form.reportValidity();
        say(status, 'A reason is required.', true);
        reason.focus();
        return;
      }
      reason.setCustomValidity('');
      try {
        const after = await api('POST', '/v1/candidates/' + encodeURIComponent(id) + '/decisions',
          { decision: button.dataset.decision, comment: reason.value.trim() });
        review.decisions = (after.decisions || []).map((d) => ({ ...d, decidedAt: d.decidedAt || d.decided_at }));
        review.state = after.state;
        showFacts();
        say(status, 'Decision recorded: the candidate is now ' + String(after.state).replace('_', ' ') + '.');
      } catch (e) {
        say(status, 'Refused: ' + e.message, true);
      }
    });
  }
  reason.addEventListener('input', () => reason.setCustomValidity(''));
})();
