// End-to-end harness: serves dist/ on 127.0.0.1 and drives the system Chromium through
// playwright-core (never a downloaded browser). Screenshots go to target/e2e/.
import http from 'node:http';
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../..');
const nodeModules = process.env.NODE_PATH || path.join(process.env.HOME, '.cache/replication-playground/node/node_modules');
const { chromium } = require(path.join(nodeModules, 'playwright-core'));

export const dist = path.join(root, 'dist');
export const shots = path.join(root, 'target', 'e2e');

const types = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript',
  '.wasm': 'application/wasm',
  '.css': 'text/css',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
};

/** Serves dist/ on a free loopback port, under `prefix` (a sub-path such as
 * '/some/sub/path/', as a school's web server would; anything outside it is a 404);
 * resolves to { url, close }. */
export function serve(prefix = '/') {
  const server = http.createServer((req, res) => {
    const url = new URL(req.url, 'http://127.0.0.1');
    if (!url.pathname.startsWith(prefix)) {
      res.writeHead(404).end('not found');
      return;
    }
    let file = path.join(dist, decodeURIComponent(url.pathname.slice(prefix.length - 1)));
    if (!file.startsWith(dist)) {
      res.writeHead(403).end();
      return;
    }
    if (fs.existsSync(file) && fs.statSync(file).isDirectory()) file = path.join(file, 'index.html');
    fs.readFile(file, (err, body) => {
      if (err) {
        res.writeHead(404).end('not found');
        return;
      }
      res.writeHead(200, { 'content-type': types[path.extname(file)] || 'application/octet-stream' });
      res.end(body);
    });
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      const close = () => new Promise((r) => {
        server.close(r);
        server.closeAllConnections(); // keep-alive sockets would hold close() open
      });
      resolve({ url: `http://127.0.0.1:${port}${prefix}`, close });
    });
  });
}

/** Marks the welcome card as dismissed (the key src/ui/course.rs keeps), before the page
 * loads: tests written for a first load with no card over it keep working. */
function welcomed() {
  try {
    localStorage.setItem('replication-playground.welcome.v1', 'dismissed');
  } catch {
    // about:blank has no storage; the page under test does.
  }
}

/** Launches headless Chromium with the flags this machine needs (closed network, root).
 * Every context it makes has the welcome card dismissed; `browser.newFirstVisitContext`
 * makes one without, for the test of a real first visit (tests/e2e/course.test.mjs). */
export async function launch() {
  const browser = await launchChromium();
  const plain = browser.newContext.bind(browser);
  browser.newFirstVisitContext = plain;
  browser.newContext = async (options) => {
    const context = await plain(options);
    await context.addInitScript(welcomed);
    return context;
  };
  return browser;
}

function launchChromium() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-dev-shm-usage',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

/** A fresh page at 1280×720 that records console errors and uncaught page errors. */
export async function newPage(browser) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 720 } });
  const page = await context.newPage();
  const errors = [];
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(`console: ${m.text()}`);
  });
  page.on('pageerror', (e) => errors.push(`page: ${e.message}`));
  return { page, errors, context };
}

/** Opens the page and a preset in it (a new 1280×720 page from `newPage`), ready once the
 * preset's third node is drawn. */
export async function openPreset(env, preset) {
  const opened = await newPage(env.browser);
  await showPreset(opened.page, env.server.url, preset);
  return opened;
}

/** Loads the page at `url` and picks `preset` in the scenario list. */
export async function showPreset(page, url, preset) {
  await page.goto(url);
  await page.waitForSelector('svg .node');
  await page.selectOption('select[aria-label=scenario]', preset);
  await page.waitForSelector('svg .node[data-node=db3]');
}

export async function screenshot(page, name) {
  fs.mkdirSync(shots, { recursive: true });
  const file = path.join(shots, name);
  await page.screenshot({ path: file });
  return file;
}

/** Registers before/after hooks that start a server and a browser for a test file;
 * the returned object's `server` and `browser` are set once `before` has run. */
export function useBrowser(before, after) {
  const env = {};
  before(async () => {
    env.server = await serve();
    env.browser = await launch();
  });
  after(async () => {
    await env.browser?.close();
    await env.server?.close();
  });
  return env;
}

/** Moves a range input (the speed slider, the timeline scrubber) as a drag would. */
export async function setRange(page, label, value) {
  await page.evaluate(([label, value]) => {
    const input = document.querySelector(`input[aria-label=${label}]`);
    input.value = String(value);
    input.dispatchEvent(new Event('input', { bubbles: true }));
  }, [label, value]);
}
