// The examiner workstation in headless Chromium, as the outside check runs it: three ORL faces
// enrolled over the API with script payloads in the names, one face search, two examiners who
// sign in, compare probe and candidate and confirm; the searcher and a second decision by the
// same examiner are refused; no payload runs. Usage: node review_flow.test.js ABIS_BINARY
// (exit 77: skipped, Chromium, puppeteer-core or the ORL faces missing).
'use strict';
const fs = require('fs');
const path = require('path');
const { skip, browserTools, launch, Store, serve, http, check, failed, screenshot, click } = require('./harness');

const abis = process.argv[2];
if (!abis || !fs.existsSync(abis)) { console.log('usage: node review_flow.test.js ABIS_BINARY'); process.exit(2); }
const dataDir = process.env.ABIS_DATA || path.join(__dirname, '..', '..', '..', 'shared', 'data');
const orl = path.join(dataDir, 'face', 'orl');
if (!fs.existsSync(path.join(orl, 's1', '1.pgm'))) skip('the ORL faces are not present (' + orl + ')');
const tools = browserTools();
const screenshots = process.env.ABIS_SCREENSHOT_DIR;  // the alerts page is only visited for its picture

const PAYLOADS = {
  person1: '<img src=x onerror=window.__xss=1>',
  person2: '<b onmouseover=window.__xss=2>s2',
  caseRef: '<script>window.__xss=3</script>',
  comment: '<img src=x onerror=window.__xss=4> looks the same',
};
const face = (subject, image) => fs.readFileSync(path.join(orl, subject, image + '.pgm')).toString('base64');

async function signIn(browser, base, key) {
  const context = await browser.createBrowserContext();
  const page = await context.newPage();
  page.xssDialogs = 0;
  page.on('dialog', async (dialog) => { page.xssDialogs += 1; await dialog.dismiss(); });
  await page.goto(base + '/');
  const box = await page.waitForSelector('aria/API key[role="textbox"]');
  await box.type(key);
  await Promise.all([page.waitForNavigation(), click(page, 'aria/Sign in[role="button"]')]);
  await page.waitForSelector('aria/Sign out[role="button"]');
  return { context, page };
}

async function openCandidate(page, base, id) {
  await page.goto(base + '/ui/candidates/' + id);
  await page.waitForSelector('img[alt^="Probe"]');
  await page.waitForSelector('img[alt^="Candidate"]');
  await page.waitForFunction(() => [...document.querySelectorAll('img')].every((img) => img.complete), { timeout: 15000 });
}

async function decide(page, reason, button) {
  const box = await page.waitForSelector('aria/Reason[role="textbox"]');
  await click(page, box, { clickCount: 3 });
  await box.type(reason);
  const before = await page.$eval('#status', (el) => el.textContent);
  await click(page, `aria/${button}[role="button"]`);
  await page.waitForFunction((old) => {
    const text = document.getElementById('status').textContent;
    return text && text !== old;
  }, {}, before);
  return page.$eval('#status', (el) => el.textContent);
}

async function noPayloadRan(page, where) {
  const flag = await page.evaluate(() => window.__xss);
  check(flag === undefined && page.xssDialogs === 0, 'no payload ran on ' + where);
}

(async () => {
  const store = new Store(abis);
  let server = null;
  let browser = null;
  try {
    store.addUser('enroller1', 'enroller');
    for (const name of ['searcher', 'examiner2', 'examiner3']) store.addUser(name, 'examiner');
    store.addUser('auditor1', 'auditor');
    store.cli('admin', 'gallery', 'create', '--name', 'register');
    store.cli('admin', 'gallery', 'create', '--name', 'wanted', '--kind', 'watchlist');
    server = await serve(abis, store.store);
    const base = server.url;

    const enrol = async (id, subject) => {
      const response = await http(base + '/v1/persons/' + encodeURIComponent(id) + '/encounters', {
        method: 'POST', key: store.keys.enroller1,
        body: {
          galleries: ['register'],
          biographicData: { firstName: PAYLOADS.caseRef, lastName: PAYLOADS.person1 },
          contextualData: { legalBasis: 'browser test', retentionUntil: '2099-12-31' },
          biometricData: [{ biometricType: 'FACE', image: face(subject, 1) }],
        },
      });
      check(response.status === 200 || response.status === 201, 'enrol ' + subject + ' over the API (' + response.status + ')');
    };
    await enrol(PAYLOADS.person1, 's1');
    await enrol(PAYLOADS.person2, 's2');
    await enrol('orl-s3', 's3');
    const search = await http(base + '/v1/identify/register?purpose=criminal_investigation&caseRef=' +
      encodeURIComponent(PAYLOADS.caseRef) + '&maxNbCand=3', {
      method: 'POST', key: store.keys.searcher,
      body: { biometricData: [{ biometricType: 'FACE', image: face('s1', 2) }] },
    });
    check(search.status === 200 && Array.isArray(search.json) && search.json.length > 0,
      'one face search finds candidates (' + search.status + ')');
    check(search.json[0].personId === PAYLOADS.person1 && search.json[0].others.candidateId === 1,
      'candidate 1 is the probe\'s own subject');

    browser = await launch(tools);

    // Examiner 2: sign-in, the queue (grouped by case, payloads as text), the candidate page.
    const second = await signIn(browser, base, store.keys.examiner2);
    check(new URL(second.page.url()).pathname === '/ui/reviews', 'sign-in leads to the review queue');
    await second.page.waitForFunction(() => document.querySelectorAll('#queue tr').length > 0);
    const queueText = await second.page.$eval('#queue', (el) => el.textContent);
    check(queueText.includes(PAYLOADS.person1) && queueText.includes('Case ' + PAYLOADS.caseRef),
      'the queue shows the names holding payloads as text, grouped by case');
    await screenshot(second.page, 'reviews');
    await noPayloadRan(second.page, 'the review queue');

    await openCandidate(second.page, base, 1);
    const sizes = await second.page.$$eval('img', (imgs) => imgs.map((img) => [img.alt, img.naturalWidth]));
    const full = sizes.filter(([alt]) => !alt.includes(' aligned '));
    check(full.some(([alt, w]) => alt.startsWith('Probe') && w > 0) && full.some(([alt, w]) => alt.startsWith('Candidate') && w > 0),
      'probe and candidate images are loaded: ' + JSON.stringify(sizes));
    // The aligned face crops (what the face engine embeds) beside them, or a sentence saying why not.
    await second.page.waitForFunction(() => {
      const done = (prefix) => [...document.querySelectorAll(`img[alt^="${prefix} aligned"]`)].some((img) => img.complete) ||
        [...document.querySelectorAll('.no-crop')].some((p) => p.textContent.startsWith(prefix + ' aligned'));
      return done('Probe') && done('Candidate');
    }, { timeout: 15000 });
    const crops = await second.page.$$eval('img[alt*=" aligned "]', (imgs) => imgs.map((img) => [img.alt, img.naturalWidth, img.naturalHeight]));
    const noCrop = await second.page.$$eval('.no-crop', (nodes) => nodes.map((n) => n.textContent));
    check(crops.some(([alt, w]) => alt.startsWith('Probe aligned') && w > 0) &&
      crops.some(([alt, w]) => alt.startsWith('Candidate aligned') && w > 0) && noCrop.length === 0,
      'both aligned face crops are loaded: ' + JSON.stringify(crops) + ' ' + JSON.stringify(noCrop));
    const hidden = await second.page.$$eval('.scores', (nodes) => nodes.every((n) => n.classList.contains('hidden')));
    check(hidden, 'blind mode hides the scores and rank at first');
    await click(second.page, 'aria/Show scores and rank[role="button"]');
    const scoresText = await second.page.$eval('#scores', (el) => (el.classList.contains('hidden') ? '' : el.textContent));
    check(/log-likelihood ratio/.test(scoresText) && /Rank 1/.test(scoresText), 'the scores show when asked');
    const evidence = await second.page.$$eval('.evidence', (nodes) => nodes.map((n) => (n.classList.contains('hidden') ? '' : n.textContent)));
    check(evidence.length > 0 && evidence.every((t) => /Score .*log-LR .*FMR at this score/.test(t)),
      'the face pair shows its score, log-LR and FMR: ' + JSON.stringify(evidence));
    const facts = await second.page.$eval('#facts', (el) => el.textContent);
    check(facts.includes(PAYLOADS.person1), 'the candidate page shows the person id as text');
    // Without a reason nothing is sent.
    await click(second.page, 'aria/Confirm[role="button"]');
    await second.page.waitForFunction(() => /reason is required/.test(document.getElementById('status').textContent));
    check(true, 'a decision without a reason is not sent');
    await screenshot(second.page, 'candidate', true);
    let text = await decide(second.page, PAYLOADS.comment, 'Confirm');
    check(/one confirmation/.test(text), 'the first confirmation is recorded: ' + text);
    text = await decide(second.page, 'again', 'Confirm');
    check(/Refused/.test(text) && /already decided/.test(text), 'the same examiner twice is refused: ' + text);
    await noPayloadRan(second.page, 'the candidate page');

    // CSRF: a change of state with the session cookie but without the token is refused.
    const csrf = await second.page.evaluate(async () => {
      const r = await fetch('/v1/candidates/2/decisions', {
        method: 'POST', headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ decision: 'reject', comment: 'forged' }),
      });
      return r.status;
    });
    check(csrf === 403, 'a decision without the CSRF token is refused (' + csrf + ')');
    const review2 = await http(base + '/v1/candidates/2', { key: store.keys.examiner3 });
    check(review2.json && review2.json.decisions.length === 0, 'and nothing was recorded');

    // The searcher may not decide on their own search.
    const searcher = await signIn(browser, base, store.keys.searcher);
    await openCandidate(searcher.page, base, 1);
    text = await decide(searcher.page, 'my own search', 'Confirm');
    check(/Refused/.test(text) && /ran search/.test(text), 'the examiner who ran the search is refused: ' + text);
    await searcher.context.close();

    // Examiner 3 confirms: the candidate is confirmed.
    const third = await signIn(browser, base, store.keys.examiner3);
    await openCandidate(third.page, base, 1);
    const decisions = await third.page.$eval('#decisions', (el) => el.textContent);
    check(decisions.includes(PAYLOADS.comment), 'the first examiner\'s reason is shown as text');
    text = await decide(third.page, 'same person: eyes, nose, mouth agree', 'Confirm');
    check(/confirmed/.test(text), 'the second confirmation confirms: ' + text);
    await noPayloadRan(third.page, 'the candidate page (second examiner)');
    const final = await http(base + '/v1/candidates/1', { key: store.keys.examiner2 });
    check(final.json && final.json.state === 'confirmed', 'GET /v1/candidates/1 shows the candidate confirmed');
    // Viewing the images was audited, and the chain holds.
    const audit = store.cli('admin', 'audit', 'verify');
    check(/ok|verified|intact/i.test(audit), 'the audit chain verifies');
    const views = store.cli('admin', 'audit', 'export', '--action', 'candidate.image.read');
    check((views.match(/candidate\.image\.read/g) || []).length >= 4, 'every image view is audited');
    // Watchlist entries: added with authority and expiry, listed as text, ended with a reason.
    await third.page.goto(base + '/ui/watchlists');
    await (await third.page.waitForSelector('aria/Watchlist[role="textbox"]')).type('wanted');
    await click(third.page, 'aria/Show entries[role="button"]');
    await third.page.waitForFunction(() => /on wanted/.test(document.getElementById('status').textContent));
    await (await third.page.waitForSelector('aria/Person id[role="textbox"]')).type(PAYLOADS.person2);
    await (await third.page.waitForSelector('aria/Authority reference[role="textbox"]')).type('WARRANT-1');
    await (await third.page.waitForSelector('aria/Reason[role="textbox"]')).type(PAYLOADS.comment);
    await third.page.$eval('#add-expires', (input) => { input.value = '2099-12-31'; });
    await click(third.page, 'aria/Add entry[role="button"]');
    await third.page.waitForFunction(() => /added/.test(document.getElementById('status').textContent));
    const entries = await third.page.$eval('#entries', (el) => el.textContent);
    check(entries.includes(PAYLOADS.person2) && entries.includes(PAYLOADS.comment) && entries.includes('ACTIVE'),
      'a watchlist entry is added and listed as text');
    await (await third.page.waitForSelector('aria/Reason for ending entry 1[role="textbox"]')).type('warrant withdrawn');
    await click(third.page, 'aria/End entry 1[role="button"]');
    await third.page.waitForFunction(() => /ended/.test(document.getElementById('status').textContent));
    const ended = await third.page.$eval('#entries', (el) => el.textContent);
    check(ended.includes('ENDED') && ended.includes('warrant withdrawn'), 'the entry is ended with its reason');
    await screenshot(third.page, 'watchlists');
    await noPayloadRan(third.page, 'the watchlist page');
    if (screenshots) {
      await third.page.goto(base + '/ui/alerts');
      await third.page.waitForFunction(() => document.getElementById('status').textContent !== '');
      await screenshot(third.page, 'alerts');
    }
    // The auditor: the chain verification, the log filtered by action, the subject report.
    const auditor = await signIn(browser, base, store.keys.auditor1);
    await auditor.page.goto(base + '/ui/audit');
    await auditor.page.waitForSelector('aria/Sign out[role="button"]');
    await click(auditor.page, 'aria/Verify the chain[role="button"]');
    await auditor.page.waitForFunction(() => /intact|BROKEN/.test(document.getElementById('verification').textContent));
    check(/intact/.test(await auditor.page.$eval('#verification', (el) => el.textContent)), 'the auditor verifies the chain: intact');
    await (await auditor.page.waitForSelector('aria/Action[role="textbox"]')).type('candidate.image.read');
    await click(auditor.page, 'aria/Show entries[role="button"]');
    await auditor.page.waitForFunction(() => /matching/.test(document.getElementById('status').textContent));
    const rows = await auditor.page.$$eval('#entries tr', (trs) => trs.length);
    check(rows >= 4, 'the audit log filtered by action lists the image views (' + rows + ')');
    await screenshot(auditor.page, 'audit');
    await auditor.page.goto(base + '/ui/subjects');
    await (await auditor.page.waitForSelector('aria/Person id[role="textbox"]')).type(PAYLOADS.person1);
    await click(auditor.page, 'aria/Show report[role="button"]');
    await auditor.page.waitForFunction(() => /Report for/.test(document.getElementById('status').textContent));
    const subject = await auditor.page.$eval('#report', (el) => el.textContent);
    check(subject.includes('Searches that returned the person (1)') && subject.includes('candidate.image.read') &&
      subject.includes(PAYLOADS.caseRef), 'the subject report shows the search and the views of the person\'s images');
    await noPayloadRan(auditor.page, 'the auditor\'s pages');
    await auditor.context.close();
    await second.context.close();
    await third.context.close();
  } catch (error) {
    check(false, 'unexpected error: ' + (error && error.stack ? error.stack : error));
  } finally {
    if (browser) await browser.close();
    if (server) await server.stop();
    store.remove();
  }
  process.exit(failed() ? 1 : 0);
})();
