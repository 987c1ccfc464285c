// Shared by the browser tests: finds Chromium and puppeteer-core (or skips), makes a temporary
// store with users, starts `abis serve` on a free port and stops it.
'use strict';
const { spawn, execFileSync } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');

const SKIP = 77;  // ctest SKIP_RETURN_CODE

function skip(message) {
  console.log('SKIP: ' + message);
  process.exit(SKIP);
}

function findChromium() {
  const candidates = [process.env.ABIS_CHROMIUM, '/usr/bin/chromium', '/usr/bin/chromium-browser'].filter(Boolean);
  return candidates.find((file) => fs.existsSync(file));
}

function loadPuppeteer() {
  try {
    return require(path.join(__dirname, 'node_modules', 'puppeteer-core'));
  } catch (e) {
    return null;
  }
}

// Chromium and puppeteer-core, or a skip naming what is missing and how to install it.
function browserTools() {
  const chromium = findChromium();
  if (!chromium) skip('Chromium is not installed (Debian package chromium; `make deps` installs it)');
  const puppeteer = loadPuppeteer();
  if (!puppeteer) skip('puppeteer-core is not installed (tools/fetch_browser_deps.sh runs `npm ci` in tests/browser)');
  return { chromium, puppeteer };
}

async function launch(tools) {
  return tools.puppeteer.launch({
    executablePath: tools.chromium,
    headless: true,
    args: ['--no-sandbox', '--headless', '--disable-gpu', '--disable-dev-shm-usage', '--no-first-run'],
  });
}

class Store {
  constructor(abis) {
    this.abis = abis;
    this.dir = fs.mkdtempSync(path.join(os.tmpdir(), 'abis-browser-'));
    this.store = path.join(this.dir, 'store');
    const out = execFileSync(abis, ['init', '--store', this.store], { encoding: 'utf8' });
    this.keys = { admin: out.match(/api_key: (\S+)/)[1] };
    this.keyFiles = {};
    this.writeKey('admin');
  }

  writeKey(name) {
    const file = path.join(this.dir, name + '.key');
    fs.writeFileSync(file, this.keys[name] + '\n', { mode: 0o600 });
    this.keyFiles[name] = file;
  }

  cli(as, ...args) {
    return execFileSync(this.abis, ['--store', this.store, '--key-file', this.keyFiles[as], ...args], { encoding: 'utf8' });
  }

  addUser(name, role) {
    const out = this.cli('admin', 'user', 'add', '--name', name, '--role', role);
    this.keys[name] = out.match(/api_key: (\S+)/)[1];
    this.writeKey(name);
    return this.keys[name];
  }

  remove() { fs.rmSync(this.dir, { recursive: true, force: true }); }
}

// Starts `abis serve` on a free port; resolves with {url, stop} once it listens.
function serve(abis, store, extraArgs = []) {
  return new Promise((resolve, reject) => {
    const child = spawn(abis, ['serve', '--store', store, '--listen', '127.0.0.1:0', ...extraArgs],
      { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stderr.on('data', (d) => { err += d; });
    child.stdout.on('data', (d) => {
      out += d;
      const m = out.match(/serving .* on (https?:\/\/[^\s]+)/);
      if (m) {
        const url = m[1].replace(/\/$/, '');
        resolve({
          url,
          stop: () => new Promise((done) => { child.once('exit', done); child.kill('SIGTERM'); }),
        });
      }
    });
    child.once('exit', (code) => reject(new Error('abis serve exited with ' + code + ': ' + err)));
  });
}

async function http(url, { method = 'GET', key, body, headers = {} } = {}) {
  const h = { ...headers };
  if (key) h.Authorization = 'Bearer ' + key;
  if (body !== undefined) h['Content-Type'] = 'application/json';
  const response = await fetch(url, { method, headers: h, body: body === undefined ? undefined : JSON.stringify(body), redirect: 'manual' });
  const text = await response.text();
  let json = null;
  try { json = JSON.parse(text); } catch (e) { json = null; }
  return { status: response.status, headers: response.headers, text, json };
}

// A screenshot of the page from its top left, when ABIS_SCREENSHOT_DIR names a folder.
async function screenshot(page, name, fullPage = false) {
  const dir = process.env.ABIS_SCREENSHOT_DIR;
  if (!dir) return;
  await page.evaluate(() => { document.activeElement?.blur(); window.scrollTo(0, 0); });
  await page.screenshot({ path: path.join(dir, name + '.png'), fullPage });
}

// Clicks what `target` (a selector or an element handle) names, as a user would, once it is
// visible and laid out. Puppeteer computes the click point from the element's boxes; while the
// page is still laying out (images arriving, a list re-rendered) that can find no box and throw
// "Node is either not clickable or not an Element". Such a click is tried again after the page
// has drawn two more frames, at most five times; any other error is thrown at once.
async function click(page, target, options = {}) {
  await page.bringToFront();
  for (let attempt = 1; ; attempt += 1) {
    const element = typeof target === 'string' ? await page.waitForSelector(target, { visible: true }) : target;
    try {
      await element.click(options);
      return;
    } catch (error) {
      if (attempt >= 5 || !/not clickable/.test(String(error && error.message))) throw error;
      console.log('note click on ' + (typeof target === 'string' ? target : 'an element') + ' tried again: ' + error.message);
      await page.evaluate(() => new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve))));
    }
  }
}

let failures = 0;
function check(condition, message) {
  if (condition) {
    console.log('ok   ' + message);
  } else {
    failures += 1;
    console.log('FAIL ' + message);
  }
}
function failed() { return failures; }

module.exports = { SKIP, skip, browserTools, launch, Store, serve, http, check, failed, screenshot, click };
