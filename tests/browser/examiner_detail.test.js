// The candidate page's detail per modality in headless Chromium: for DNA the locus-by-locus
// allele table (locus, both genotypes, match class, per-locus LR hidden in blind mode); for
// fingers the minutiae of both prints overlaid with a line per pair the matcher made, following
// the synchronised zoom. Synthetic prints (`abis synth fingers`) and a generated STR profile: no
// shared data needed. Usage: node examiner_detail.test.js ABIS_BINARY (exit 77: skipped).
'use strict';
const fs = require('fs');
const path = require('path');
const { skip, browserTools, launch, Store, serve, http, check, failed, screenshot, click } = require('./harness');

const abis = process.argv[2];
if (!abis || !fs.existsSync(abis)) { console.log('usage: node examiner_detail.test.js ABIS_BINARY'); process.exit(2); }
const tools = browserTools();

const profile = (tpox) => 'locus,allele1,allele2\nCSF1PO,10,12\nD3S1358,15,16\nD5S818,11,12\nD7S820,10,11\n' +
  'D8S1179,13,14\nD13S317,11,12\nD16S539,9,11\nD18S51,14,16\nD21S11,29,30\nFGA,21,22\nTH01,6,9.3\nTPOX,' + tpox +
  '\nvWA,17,18\nD1S1656,12,15\nD2S441,10,14\nD2S1338,17,23\nD10S1248,13,14\nD12S391,18,19\nD19S433,13,14\n' +
  'D22S1045,15,16\nAMEL,X,Y\n';
const base64 = (text) => Buffer.from(text).toString('base64');

async function signIn(browser, base, key) {
  const context = await browser.createBrowserContext();
  const page = await context.newPage();
  await page.goto(base + '/');
  await (await page.waitForSelector('aria/API key[role="textbox"]')).type(key);
  await Promise.all([page.waitForNavigation(), click(page, 'aria/Sign in[role="button"]')]);
  await page.waitForSelector('aria/Sign out[role="button"]');
  return { context, page };
}

// The number of overlay pixels drawn (non-transparent) and a fingerprint of the drawing.
function overlayPixels(page) {
  return page.$eval('canvas.overlay', (canvas) => {
    const data = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
    let drawn = 0;
    let green = 0;
    let hash = 0;
    for (let i = 0; i < data.length; i += 4) {
      if (data[i + 3] === 0) continue;
      drawn += 1;
      if (data[i + 1] > 120 && data[i] < 80 && data[i + 2] < 80) green += 1;
      hash = (hash * 31 + i) % 1000000007;
    }
    return { drawn, green, hash };
  });
}

(async () => {
  const store = new Store(abis);
  let server = null;
  let browser = null;
  try {
    store.addUser('enroller1', 'enroller');
    store.addUser('searcher', 'investigator');
    store.addUser('examiner2', 'examiner');
    store.cli('admin', 'gallery', 'create', '--name', 'register');
    const prints = path.join(store.dir, 'prints');
    store.cli('admin', 'synth', 'fingers', '--out', prints, '--fingers', '1', '--impressions', '2', '--seed', '7');
    const images = fs.readdirSync(prints).filter((name) => /\.(png|pgm|tif|bmp)$/i.test(name)).sort();
    check(images.length === 2, 'two synthetic impressions of one finger: ' + JSON.stringify(images));
    const finger = (i) => fs.readFileSync(path.join(prints, images[i])).toString('base64');
    server = await serve(abis, store.store);
    const base = server.url;

    const enrolled = await http(base + '/v1/persons/dna-finger-1/encounters', {
      method: 'POST', key: store.keys.enroller1,
      body: {
        galleries: ['register'],
        biographicData: { firstName: 'Test', lastName: 'Person' },
        contextualData: { legalBasis: 'browser test', retentionUntil: '2099-12-31' },
        biometricData: [
          { biometricType: 'DNA', image: base64(profile('8,11')), metadata: 'csv' },
          { biometricType: 'FINGER', biometricSubType: 'RIGHT_INDEX', image: finger(0) },
        ],
      },
    });
    check(enrolled.status === 200 || enrolled.status === 201, 'a DNA profile and a print enrolled (' + enrolled.status + ' ' + enrolled.text.slice(0, 300) + ')');
    const search = await http(base + '/v1/identify/register?purpose=criminal_investigation&caseRef=CASE-9&maxNbCand=3', {
      method: 'POST', key: store.keys.searcher,
      body: {
        biometricData: [
          { biometricType: 'DNA', image: base64(profile('8,')), metadata: 'csv' },
          { biometricType: 'FINGER', biometricSubType: 'RIGHT_INDEX', image: finger(1) },
        ],
      },
    });
    check(search.status === 200 && Array.isArray(search.json) && search.json.length === 1,
      'the search finds the person (' + search.status + ' ' + search.text.slice(0, 300) + ')');
    check(!/"loci"|"examinerView"|"pairs"|6\/9\.3/.test(search.text), 'the search answer holds no alleles and no minutiae positions');

    browser = await launch(tools);
    const { context, page } = await signIn(browser, base, store.keys.examiner2);
    await page.goto(base + '/ui/candidates/1');

    // DNA: a real table, text only; the LR column stays hidden in blind mode.
    await page.waitForSelector('table.loci tbody tr');
    const rows = await page.$$eval('table.loci tbody tr', (trs) => trs.map((tr) => [...tr.children].map((c) => c.textContent)));
    const byLocus = Object.fromEntries(rows.map((r) => [r[0], r]));
    check(rows.length === 21, 'the locus table lists the 21 loci (' + rows.length + ')');
    check(byLocus.TH01 && byLocus.TH01[1] === '6/9.3' && byLocus.TH01[2] === '6/9.3' && byLocus.TH01[3] === 'identical',
      'TH01: both genotypes, identical: ' + JSON.stringify(byLocus.TH01));
    check(byLocus.TPOX && byLocus.TPOX[1] === '8' && byLocus.TPOX[2] === '8/11' && byLocus.TPOX[3] === 'consistent',
      'TPOX (drop-out in the probe): consistent: ' + JSON.stringify(byLocus.TPOX));
    check(byLocus.AMEL && byLocus.AMEL[3] === 'not compared', 'amelogenin is not compared');
    const headers = await page.$$eval('table.loci thead th', (ths) => ths.map((th) => th.textContent));
    check(headers.join('|') === 'Locus|Probe alleles|Candidate alleles|Match class|Locus LR', 'the table\'s columns: ' + headers.join('|'));
    const lrHidden = await page.$$eval('table.loci .evidence', (cells) => cells.every((c) => getComputedStyle(c).display === 'none'));
    check(lrHidden, 'blind mode hides the per-locus LR');
    await click(page, 'aria/Show scores and rank[role="button"]');
    const lrs = await page.$$eval('table.loci tbody tr', (trs) => trs.map((tr) => tr.lastElementChild.textContent));
    const th01 = Number(byLocus.TH01 && lrs[rows.indexOf(byLocus.TH01)]);
    check(th01 > 1 && lrs[rows.indexOf(byLocus.AMEL)] === '—', 'the per-locus LR shows when asked (TH01 ' + th01 + ')');

    // Finger: the overlay is drawn once both prints are loaded, with lines between pairs.
    await page.waitForSelector('canvas.overlay');
    await page.waitForFunction(() => [...document.querySelectorAll('img')].every((img) => img.complete), { timeout: 15000 });
    const pairs = await page.$eval('.pair[data-pairs]', (el) => [Number(el.dataset.pairs), el.dataset.minutiae]);
    check(pairs[0] > 0, 'the matcher paired minutiae: ' + pairs[0] + ' pairs of ' + pairs[1]);
    await page.waitForFunction(() => {
      const c = document.querySelector('canvas.overlay');
      return c.width > 0 && c.getContext('2d').getImageData(0, 0, c.width, c.height).data.some((v, i) => i % 4 === 3 && v > 0);
    }, { timeout: 15000 });
    const before = await overlayPixels(page);
    check(before.drawn > 100 && before.green > 20, 'minutiae and green pair lines are drawn: ' + JSON.stringify(before));
    await click(page, 'aria/Zoom in[role="button"]');
    const zoomed = await overlayPixels(page);
    check(zoomed.hash !== before.hash && zoomed.drawn > 0, 'the overlay follows the zoom');
    await screenshot(page, 'candidate-dna-finger', true);
    await click(page, 'aria/Minutiae and pairs[role="button"]');
    const off = await overlayPixels(page);
    check(off.drawn === 0, 'the overlay can be switched off');
    await context.close();

    const audit = store.cli('admin', 'audit', 'export');
    check(!/6\/9\.3|"examinerView"|"loci"/.test(audit), 'the audit log holds no alleles and no minutiae');
  } catch (error) {
    check(false, 'unexpected error: ' + (error && error.stack ? error.stack : error));
  } finally {
    if (browser) await browser.close();
    if (server) await server.stop();
    store.remove();
  }
  process.exit(failed() ? 1 : 0);
})();
