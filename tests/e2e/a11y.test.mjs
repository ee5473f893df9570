// The accessibility audit (issue 11): axe-core, pinned in scripts/tools.sh, run inside the
// page on every main view: no serious or critical violation may remain.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { useBrowser, screenshot, showPreset } from './harness.mjs';

const env = useBrowser(before, after);
const nodeModules = process.env.NODE_PATH || path.join(process.env.HOME, '.cache/replication-playground/node/node_modules');
const axeScript = path.join(nodeModules, 'axe-core', 'axe.min.js');

/** Runs axe on the page as it is; returns the serious and critical violations, each as
 * "rule: what (where…)". */
async function audit(page) {
  if (!(await page.evaluate(() => 'axe' in window))) await page.addScriptTag({ path: axeScript });
  const violations = await page.evaluate(async () => {
    const r = await window.axe.run(document, { resultTypes: ['violations'] });
    return r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.slice(0, 3).map((n) => n.target.join(' ')) }));
  });
  return violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.join(' | ')}`);
}

/** A page at 1280×720 where axe's script may be added: the page's CSP allows only its own
 * scripts, so this context alone bypasses it (the hosting tests check the CSP itself). */
async function newPage(browser) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 720 }, bypassCSP: true });
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  return { page, errors, context };
}

async function open(page, preset) {
  if (preset) return showPreset(page, env.server.url, preset);
  await page.goto(env.server.url);
  await page.waitForSelector('svg .node');
}

test('axe: first load, at 1280×720 and on a phone', async () => {
  const { page, errors, context } = await newPage(env.browser);
  await open(page, 'free-play');
  assert.deepEqual(await audit(page), [], 'first load');
  await page.setViewportSize({ width: 390, height: 844 });
  assert.deepEqual(await audit(page), [], 'first load on a phone');
  assert.deepEqual(errors, []);
  await context.close();
});

test('axe: a lesson, played past its failover, with findings', async () => {
  const { page, errors, context } = await newPage(env.browser);
  await open(page, 'async-failover-loses-writes');
  await page.click('button.fast-forward');
  await page.waitForSelector('.finding-group', { timeout: 90000 });
  assert.deepEqual(await audit(page), [], 'lesson');
  assert.deepEqual(errors, []);
  await context.close();
});

test('axe: the dialogs (Build, Share, Help)', async () => {
  const { page, errors, context } = await newPage(env.browser);
  await open(page);
  for (const [button, dialog] of [['button.build-button', '.builder'], ['button.share-button', '.share'], ['button.help-button', '.help-overlay']]) {
    await page.click(button);
    await page.waitForSelector(dialog);
    assert.deepEqual(await audit(page), [], dialog);
    await page.keyboard.press('Escape');
    await page.waitForFunction((d) => !document.querySelector(d), dialog);
  }
  assert.deepEqual(errors, []);
  await context.close();
});

test('axe: a node selected, with its console and a statement run', async () => {
  const { page, errors, context } = await newPage(env.browser);
  await open(page, 'free-play');
  await page.click('g.node[data-node=db2] .node-body');
  await page.fill('.console input', 'SHOW REPLICA STATUS\\G');
  await page.press('.console input', 'Enter');
  await page.waitForSelector('.console-entry');
  assert.deepEqual(await audit(page), [], 'console');
  await screenshot(page, 'a11y-console.png');
  assert.deepEqual(errors, []);
  await context.close();
});

test('axe: the course (the welcome card, the lesson list, Next lesson)', { timeout: 120000 }, async () => {
  // A real first visit: the other contexts have the welcome card dismissed (harness.mjs).
  const context = await env.browser.newFirstVisitContext({ viewport: { width: 1280, height: 720 }, bypassCSP: true });
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(env.server.url);
  await page.waitForSelector('[role=dialog][aria-label=Welcome]');
  assert.deepEqual(await audit(page), [], 'welcome card');
  await page.click('[aria-label=Welcome] button:has-text("All lessons")');
  await page.waitForSelector('[role=dialog][aria-label=Lessons]');
  assert.deepEqual(await audit(page), [], 'lesson list');
  await page.click('[aria-label=Lessons] button:has-text("mysqld crashes")');
  await page.waitForSelector('[role=dialog][aria-label=Lessons]', { state: 'detached' });
  await page.click('button.fast-forward');
  await page.waitForSelector('.next-lesson-button', { timeout: 90000 });
  assert.deepEqual(await audit(page), [], 'Next lesson');
  assert.deepEqual(errors, []);
  await context.close();
});
