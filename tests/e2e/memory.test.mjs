// Memory over a class: a busy cluster played to the end of its simulated hour keeps the tab's
// wasm memory within 256 MB, and if memory ever does run out the page says so, with a link to
// the run, instead of freezing.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { useBrowser, newPage, screenshot } from './harness.mjs';
import { playSoak, SOAK_END_S } from './soak.mjs';

const env = useBrowser(before, after);
const LIMIT_MB = 256;

test('the one-hour 9-node soak at 100× plays to its end within 256 MB of wasm memory', { timeout: 30 * 60 * 1000 }, async () => {
  const { page, errors, context } = await newPage(env.browser);
  const curve = await playSoak(page, env.server.url, 100);
  const last = curve.at(-1);
  const peak = Math.max(...curve.map((s) => s.memory_mb));
  console.log(`soak at 100×: ${last.simulated_s} simulated s, peak wasm memory ${peak.toFixed(1)} MB over ${curve.length} samples`);
  assert.ok(last.simulated_s >= SOAK_END_S, `the clock stopped at ${last.simulated_s} s`);
  assert.ok(curve.every((s) => !s.overlay), 'no error overlay');
  for (const s of curve) assert.ok(s.memory_mb <= LIMIT_MB, `${s.memory_mb} MB at ${s.simulated_s} s`);
  assert.deepEqual(errors, []);
  await screenshot(page, 'soak-end.png');
  await context.close();
});

test('running out of memory shows the error overlay with a link to the run, not a frozen clock', async () => {
  const { page, errors, context } = await newPage(env.browser);
  await page.goto(`${env.server.url}#oom-test`);
  await page.waitForSelector('#panic-overlay', { timeout: 60000 });
  const text = await page.textContent('#panic-overlay');
  assert.ok(text.includes('ran out of memory'), text);
  assert.ok(text.includes('unreachable'), text);
  const href = await page.getAttribute('#panic-overlay a.panic-link', 'href');
  assert.ok(href.startsWith(`${env.server.url}#v`), href);
  assert.ok(errors.some((e) => e.includes('unreachable')), errors.join('\n'));
  await screenshot(page, 'oom-overlay.png');
  // The link opens the same run in a fresh page.
  const fresh = await newPage(env.browser);
  await fresh.page.goto(href);
  await fresh.page.waitForSelector('svg.topology .node', { timeout: 20000 });
  assert.equal(await fresh.page.locator('#panic-overlay').count(), 0);
  assert.deepEqual(fresh.errors, []);
  await fresh.context.close();
  await context.close();
});

test('a panic\'s overlay links to the run too', async () => {
  const { page, context } = await newPage(env.browser);
  await page.goto(`${env.server.url}#panic-test`);
  await page.waitForSelector('#panic-overlay', { timeout: 20000 });
  const href = await page.getAttribute('#panic-overlay a.panic-link', 'href');
  assert.ok(href.startsWith(`${env.server.url}#v`), href);
  await context.close();
});
