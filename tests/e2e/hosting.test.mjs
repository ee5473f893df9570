// The bundle as a school hosts it: under a sub-path of someone else's web server, offline
// once loaded, behind a strict Content-Security-Policy, with something on screen before the
// wasm starts. Screenshots of the loading state and the loaded page in target/e2e/.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { serve, launch, dist, screenshot, setRange } from './harness.mjs';

const SUB = '/some/sub/path/';
let browser;
before(async () => {
  browser = await launch();
});
after(async () => {
  await browser?.close();
});

/** A page that records what a strict host would complain about: CSP violations (the
 * `securitypolicyviolation` event, listened to before any page script runs), console
 * errors, uncaught errors, HTTP errors, and every URL it asked for. */
async function watchedPage(context) {
  await context.addInitScript(() => {
    window.cspViolations = [];
    document.addEventListener('securitypolicyviolation', (e) =>
      window.cspViolations.push(`${e.effectiveDirective} blocked ${e.blockedURI || 'inline'} at ${e.sourceFile}:${e.lineNumber}`));
  });
  const page = await context.newPage();
  const problems = [];
  const requested = [];
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(`console: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`page: ${e.message}`));
  page.on('request', (r) => requested.push(r.url()));
  page.on('response', (r) => {
    if (r.status() >= 400) problems.push(`HTTP ${r.status()} ${r.url()}`);
  });
  const violations = () => page.evaluate(() => window.cspViolations);
  return { page, problems, requested, violations };
}

const clock = (page) => page.evaluate(() => parseFloat(document.querySelector('.clock').textContent));

/** Plays at 10× until the simulated clock has moved by `seconds`. */
async function plays(page, seconds) {
  const from = await clock(page);
  await setRange(page, 'speed', 50);
  await page.click('button.play');
  await page.waitForFunction(([from, s]) => parseFloat(document.querySelector('.clock').textContent) >= from + s, [from, seconds], { timeout: 30000 });
  await page.click('button.play');
}

test('dist/index.html: no absolute URL, no inline handler, a CSP of its own origin plus wasm, every inline script allowed by its hash', () => {
  const html = fs.readFileSync(path.join(dist, 'index.html'), 'utf8');
  assert.doesNotMatch(html, /\b(src|href)\s*=\s*["']?\//, 'an absolute URL breaks under a sub-path');
  assert.doesNotMatch(html, /\sfrom\s+'\//, 'the loader imports relative to the page');
  assert.doesNotMatch(html, /module_or_path:\s*'\//, 'the wasm is fetched relative to the page');
  assert.doesNotMatch(html, /<[^>]+\son[a-z]+\s*=/i, 'no inline event handler');
  // Trunk minifies the page in release builds: attributes in any order, quotes optional.
  const meta = html.match(/<meta[^>]*http-equiv=["']?Content-Security-Policy[^>]*>/i)[0];
  const csp = meta.match(/content="([^"]+)"/)[1];
  const directives = Object.fromEntries(csp.split(';').map((d) => d.trim().split(/\s+/)).map(([k, ...v]) => [k, v]));
  assert.deepEqual(directives['default-src'], ["'self'"]);
  assert.deepEqual(directives['style-src'], ["'self'"]);
  for (const [name, sources] of Object.entries(directives)) {
    for (const s of sources) {
      assert.ok(["'self'", "'none'", "'wasm-unsafe-eval'", 'data:', 'blob:'].includes(s) || /^'sha256-[A-Za-z0-9+/]+=*'$/.test(s), `${name} allows ${s}`);
    }
  }
  assert.ok(directives['script-src'].includes("'wasm-unsafe-eval'"));
  const inline = [...html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/gi)].filter((m) => !/\bsrc\s*=/.test(m[1]));
  assert.ok(inline.length >= 2, "Trunk's loader and the start-up script are inline");
  const hashes = directives['script-src'].filter((s) => s.startsWith("'sha256-"));
  for (const [, , body] of inline) {
    const hash = `'sha256-${crypto.createHash('sha256').update(body).digest('base64')}'`;
    assert.ok(hashes.includes(hash), `inline script not allowed by the CSP: ${body.slice(0, 80)}`);
  }
  assert.equal(hashes.length, inline.length, 'no hash for a script that is not there');
  assert.match(html, /<div[^>]*\bid=["']?loading\b/, 'the loading indicator is in the static page');
  const sw = fs.readFileSync(path.join(dist, 'sw.js'), 'utf8');
  assert.doesNotMatch(sw, /BUILD-VERSION|BUILD-ASSETS/, 'the build filled in the service worker');
  for (const f of fs.readdirSync(dist).filter((f) => f !== 'sw.js' && !fs.statSync(path.join(dist, f)).isDirectory())) {
    assert.ok(sw.includes(`"./${f}"`), `the service worker caches ${f}`);
  }
});

test('served under /some/sub/path/: opens, plays, and after one visit reloads and plays with the server gone and the network off', async () => {
  const server = await serve(SUB);
  const context = await browser.newContext({ viewport: { width: 1280, height: 720 } });
  const { page, problems, requested, violations } = await watchedPage(context);
  await page.goto(server.url);
  await page.waitForSelector('svg.topology .node', { timeout: 20000 });
  assert.equal(await page.locator('#loading').count(), 0, 'the loading indicator is gone once the app mounts');
  await plays(page, 2);
  // The service worker has cached the bundle and controls the page.
  await page.waitForFunction(() => navigator.serviceWorker.controller !== null, null, { timeout: 20000 });
  const cached = await page.evaluate(async () => {
    const keys = await caches.keys();
    const cache = await caches.open(keys.find((k) => k.startsWith('replication-playground-')));
    return (await cache.keys()).map((r) => new URL(r.url).pathname);
  });
  assert.ok(cached.some((p) => p.endsWith('.wasm')) && cached.includes(SUB), `cached: ${cached.join(' ')}`);
  assert.ok(cached.every((p) => p.startsWith(SUB)), `cached outside the sub-path: ${cached.join(' ')}`);
  const outside = requested.filter((u) => !new URL(u).pathname.startsWith(SUB));
  assert.deepEqual(outside, [], 'every request stays under the sub-path');

  await server.close();
  await context.setOffline(true);
  await page.reload();
  await page.waitForSelector('svg.topology .node', { timeout: 20000 });
  await plays(page, 2);
  await screenshot(page, 'hosting-offline-reload.png');
  assert.deepEqual(await violations(), []);
  // Offline, the browser's update check of sw.js fails; that is expected and not an error
  // of the page (register() swallows it), so only other problems count.
  assert.deepEqual(problems.filter((p) => !/sw\.js/.test(p)), []);
  await context.close();
});

test('a normal session raises no CSP violation: play, select, crash, dialogs, the panic overlay', async () => {
  const server = await serve(SUB);
  const context = await browser.newContext({ viewport: { width: 1280, height: 720 }, serviceWorkers: 'block' });
  const { page, problems, violations } = await watchedPage(context);
  await page.goto(server.url);
  await page.waitForSelector('svg.topology .node', { timeout: 20000 });
  await plays(page, 3);
  await page.click('g.node[data-node=db1]');
  await page.click('.inspector button:has-text("Crash")');
  await page.waitForSelector('g.node[data-node=db1].crashed');
  await plays(page, 10);
  await page.waitForSelector('.controls .marker'); // timeline markers, placed without inline styles
  await screenshot(page, 'hosting-session.png');
  await page.click('button.share-button');
  await page.waitForSelector('svg.qr path');
  await page.click('.help-box button:has-text("Close")');
  await page.click('button.build-button');
  await page.waitForSelector('.help-box.builder');
  await page.click('.help-box.builder button:has-text("Cancel")');
  await page.click('button.help-button');
  await page.waitForSelector('.help-overlay');
  assert.deepEqual(await violations(), []);
  assert.deepEqual(problems, []);
  // The panic overlay is a script file now (no eval under this CSP) and still appears.
  await page.goto('about:blank');
  await page.goto(`${server.url}#panic-test`);
  await page.waitForSelector('#panic-overlay', { timeout: 20000 });
  assert.deepEqual(await violations(), []);
  // The listener does hear a violation: an inline style, as Yew's `style=` would set it.
  await page.evaluate(() => document.body.setAttribute('style', 'color: red'));
  await page.waitForFunction(() => window.cspViolations.length > 0);
  assert.match((await violations())[0], /^style-src/);
  await context.close();
  await server.close();
});

test('a loading indicator shows before the wasm starts and is gone after mount, at 1280×720 and 390×844', async () => {
  const server = await serve(SUB);
  for (const [width, height] of [[1280, 720], [390, 844]]) {
    const context = await browser.newContext({ viewport: { width, height }, serviceWorkers: 'block' });
    const { page, problems, violations } = await watchedPage(context);
    // Hold the wasm back, as a slow network would, to see the page before it starts.
    let release;
    const held = new Promise((r) => (release = r));
    await page.route('**/*.wasm', async (route) => {
      await held;
      await route.continue();
    });
    await page.goto(server.url, { waitUntil: 'domcontentloaded' });
    await page.waitForSelector('#loading .loading-spinner', { state: 'visible' });
    assert.match(await page.textContent('#loading'), /Loading the simulator/);
    await screenshot(page, `hosting-loading-${width}x${height}.png`);
    release();
    await page.waitForSelector('svg.topology .node', { timeout: 20000 });
    assert.equal(await page.locator('#loading').count(), 0);
    await screenshot(page, `hosting-loaded-${width}x${height}.png`);
    assert.deepEqual(await violations(), []);
    assert.deepEqual(problems, []);
    await context.close();
  }
  await server.close();
});
