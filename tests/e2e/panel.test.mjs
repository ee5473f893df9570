// The last edges of issue 11: every dialog takes focus, keeps Tab inside while open and
// gives focus back to its opener; finding chips that filter the findings list; one
// failover status line per cluster, with the shards on demand.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { useBrowser, newPage, openPreset, screenshot } from './harness.mjs';

const env = useBrowser(before, after);

/** Whether focus is inside the element matching `selector`. */
const focusIn = (page, selector) => page.evaluate((s) => !!document.querySelector(s)?.contains(document.activeElement), selector);

/** Presses `key` `times` times; after each press focus must still be inside `dialog`.
 * Returns how many of the dialog's tab stops focus landed on. */
async function staysInside(page, dialog, key, times) {
  const seen = new Set();
  for (let i = 0; i < times; i += 1) {
    await page.keyboard.press(key);
    assert.ok(await focusIn(page, dialog), `${key} #${i + 1} left ${dialog} for ${await page.evaluate(() => document.activeElement?.outerHTML.slice(0, 80))}`);
    seen.add(await page.evaluate((d) => window.tabStops(d).indexOf(document.activeElement), dialog));
  }
  return seen.size;
}

/** How many tab stops a dialog has: what focus can land on (defines `tabStops` in the page). */
const stops = (page, dialog) => page.evaluate((d) => {
  window.tabStops = (sel) => [...document.querySelector(sel).querySelectorAll("a[href], input:not([disabled]), select:not([disabled]), textarea, button:not([disabled]), [tabindex]:not([tabindex='-1'])")]
    .filter((e) => e.offsetWidth > 0 || e.offsetHeight > 0);
  return window.tabStops(d).length;
}, dialog);

for (const [name, opener, dialog] of [
  ['Help', 'button.help-button', '.help-overlay[aria-label=Help]'],
  ['Share', 'button.share-button', '.help-overlay[aria-label="Share this run"]'],
  ['Build', 'button.build-button', '.help-overlay[aria-label="Build a cluster"]'],
  ['Lessons', 'button.lessons-button', '.help-overlay[aria-label=Lessons]'],
]) {
  test(`dialogs: ${name} keeps Tab and Shift+Tab inside while open, then gives focus back`, async () => {
    const { page, errors, context } = await newPage(env.browser);
    await page.goto(env.server.url);
    await page.waitForSelector('svg .node');
    await page.focus(opener);
    await page.keyboard.press('Enter');
    await page.waitForSelector(dialog);
    await page.waitForFunction((d) => document.querySelector(d)?.contains(document.activeElement), dialog);
    const n = await stops(page, dialog);
    assert.ok(n >= 1, `${name} has something to focus`);
    // Past the last stop and back past the first: every stop is visited, none outside.
    assert.equal(await staysInside(page, dialog, 'Tab', n + 2), n, 'Tab visits every stop and wraps');
    assert.equal(await staysInside(page, dialog, 'Shift+Tab', n + 2), n, 'Shift+Tab wraps too');
    // Focus put behind the dialog (a click on the page) comes back in with Tab.
    await page.evaluate(() => document.querySelector('svg g.node').focus());
    await page.keyboard.press('Tab');
    assert.ok(await focusIn(page, dialog), 'Tab from behind the dialog goes back into it');
    await page.keyboard.press('Escape');
    await page.waitForFunction((d) => !document.querySelector(d), dialog);
    await page.waitForFunction((o) => document.activeElement === document.querySelector(o), opener);
    assert.deepEqual(errors, []);
    await context.close();
  });
}

test('dialogs: the export dialog over the share dialog takes focus, traps Tab, and gives focus back one dialog at a time', async () => {
  const { page, errors, context } = await newPage(env.browser);
  await page.goto(env.server.url);
  await page.waitForSelector('svg .node');
  const share = '.help-overlay[aria-label="Share this run"]';
  const exp = '.help-overlay[aria-label="Export for real servers"]';
  await page.focus('button.share-button');
  await page.keyboard.press('Enter');
  await page.waitForFunction((d) => document.querySelector(d)?.contains(document.activeElement), share);
  await page.focus('button.export-real-button');
  await page.keyboard.press('Enter');
  await page.waitForSelector(exp);
  await page.waitForFunction((d) => document.querySelector(d)?.contains(document.activeElement), exp);
  assert.equal(await page.evaluate(() => document.activeElement.tagName), 'SELECT', 'focus is on the flavor, its first field');
  const n = await stops(page, exp);
  assert.equal(await staysInside(page, exp, 'Tab', n + 2), n, 'Tab stays in the export dialog, not the share one under it');
  assert.equal(await staysInside(page, exp, 'Shift+Tab', n + 2), n);
  await screenshot(page, 'dialog-export-focus.png');
  await page.keyboard.press('Escape');
  await page.waitForSelector(exp, { state: 'detached' });
  await page.waitForFunction(() => document.activeElement?.classList.contains('export-real-button'));
  assert.ok(await focusIn(page, share), 'back in the share dialog, on its export button');
  await page.keyboard.press('Escape');
  await page.waitForSelector(share, { state: 'detached' });
  await page.waitForFunction(() => document.activeElement?.classList.contains('share-button'));
  assert.deepEqual(errors, []);
  await context.close();
});

/** The chips' kinds, counts and pressed states, and the finding groups listed. */
const chipState = (page) => page.evaluate(() => ({
  chips: [...document.querySelectorAll('.findings .finding-counts button.chip')].map((c) => ({ kind: c.classList[2], text: c.textContent, pressed: c.getAttribute('aria-pressed') })),
  groups: [...document.querySelectorAll('.findings .finding-group')].map((g) => g.classList[1]),
  status: document.querySelector('.findings .finding-filter')?.textContent ?? null,
}));

const number = (text) => parseInt(text.replace(/,/g, ''), 10);

test('findings: a chip per kind with its count filters the list, says how many are shown, and is reachable by keyboard', async () => {
  for (const size of [{ width: 1280, height: 720 }, { width: 390, height: 844 }]) {
    const context = await env.browser.newContext({ viewport: size });
    const page = await context.newPage();
    const errors = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(env.server.url);
    await page.waitForSelector('svg .node');
    await page.selectOption('select[aria-label=scenario]', 'async-failover-loses-writes');
    await page.waitForSelector('svg .node[data-node=db3]');
    await page.click('button.fast-forward');
    await page.waitForFunction(() => document.querySelector('.finding-group.stale_read') && document.querySelector('.finding-group.lost_write') && parseFloat(document.querySelector('.clock').textContent) >= 30, null, { timeout: 90000 });
    const all = await chipState(page);
    assert.deepEqual(all.chips.map((c) => c.kind), all.groups, 'one chip per kind listed, in the same order');
    assert.ok(all.chips.every((c) => c.pressed === 'false'));
    assert.equal(all.status, null, 'nothing filtered, nothing said');
    for (const c of all.chips) assert.match(c.text, /^\d{1,3}(,\d{3})* \D+$/);
    // Keyboard: Tab reaches the lost-writes chip; Enter presses it.
    await page.focus('.findings h2 button.term');
    for (let i = 0; i < 5 && !(await page.evaluate(() => document.activeElement?.matches('button.chip.lost_write'))); i += 1) await page.keyboard.press('Tab');
    assert.ok(await page.evaluate(() => document.activeElement?.matches('button.chip.lost_write')), 'Tab reaches the first chip');
    await page.keyboard.press('Enter');
    await page.waitForSelector('.findings button.chip.lost_write[aria-pressed=true]');
    const lost = await chipState(page);
    assert.deepEqual(lost.groups, ['lost_write'], 'only the lost writes are listed');
    const lostCount = number(lost.chips.find((c) => c.kind === 'lost_write').text);
    const total = lost.chips.reduce((s, c) => s + number(c.text), 0);
    assert.equal(lost.status.trim().replace(/ show all$/, ''), `showing ${lostCount.toLocaleString('en-US')} of ${total.toLocaleString('en-US')} findings`);
    // A second kind joins the first (Space plays wherever focus is, so Enter presses).
    await page.focus('.findings button.chip.stale_read');
    await page.keyboard.press('Enter');
    await page.waitForSelector('.findings button.chip.stale_read[aria-pressed=true]');
    const two = await chipState(page);
    assert.deepEqual(two.groups, all.groups.filter((k) => k === 'lost_write' || k === 'stale_read'));
    await page.locator('.findings').scrollIntoViewIfNeeded();
    await screenshot(page, `findings-chips-${size.width}.png`);
    // "show all" lifts the filter; the chips unpress.
    await page.click('.findings .finding-filter button');
    await page.waitForFunction(() => !document.querySelector('.findings .finding-filter'));
    const back = await chipState(page);
    assert.deepEqual(back.groups, all.groups);
    assert.ok(back.chips.every((c) => c.pressed === 'false'));
    assert.deepEqual(errors, []);
    await context.close();
  }
});

test('failover: a sharded cluster has one status line, with each shard on demand', async () => {
  const { page, errors, context } = await openPreset(env, 'free-play');
  assert.match(await page.textContent('section.failover .failover-status'), /^analysis: NoProblem · automatic: on · 0 recoveries$/);
  assert.equal(await page.locator('section.failover details.failover-shards').count(), 0, 'one cluster has no shards to list');
  await page.selectOption('select[aria-label=scenario]', 'shard-failover');
  await page.waitForSelector('svg .node[data-node=b2]');
  assert.match(await page.textContent('section.failover .failover-status'), /^2 shards: all healthy · /);
  // b1, shard 80-'s primary, crashes at 6 s; its recovery runs a moment later.
  await page.click('button.fast-forward');
  await page.waitForFunction(() => parseFloat(document.querySelector('.clock').textContent) >= 30, null, { timeout: 60000 });
  const status = await page.textContent('section.failover .failover-status');
  assert.match(status, /^2 shards: all healthy · automatic: on · 1 recovery$/);
  assert.doesNotMatch(status, /NoProblem/);
  assert.equal(await page.locator('section.failover details.failover-shards[open]').count(), 0, 'the shards are folded');
  await page.click('section.failover details.failover-shards summary');
  const rows = await page.$$eval('section.failover details.failover-shards tr', (trs) => trs.slice(1).map((tr) => [...tr.cells].map((c) => c.textContent)));
  assert.deepEqual(rows, [['-80', 'a1', 'healthy'], ['80-', 'b2', 'healthy']]);
  await page.locator('section.failover').scrollIntoViewIfNeeded();
  await screenshot(page, 'failover-status-line.png');
  assert.deepEqual(errors, []);
  await context.close();
});
