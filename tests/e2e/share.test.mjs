// Sharing as a class does it: a teacher sends a link, a student opens it in another browser
// and sees the same moment; a broken link changes nothing; lessons check their goal live.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { useBrowser, newPage, screenshot, setRange } from './harness.mjs';

const env = useBrowser(before, after);

async function open(preset, page) {
  await page.goto(env.server.url);
  await page.waitForSelector('svg .node');
  if (preset) {
    await page.selectOption('select[aria-label=scenario]', preset);
    await page.waitForSelector('svg .node[data-node=db3]');
  }
}

const clock = (page) => page.textContent('.clock');

async function runTo(page, seconds) {
  await page.waitForFunction((s) => parseFloat(document.querySelector('.clock').textContent) >= s, seconds, { timeout: 60000 });
}

/** What a person sees that must be the same for sender and receiver. */
async function moment(page) {
  return page.evaluate(() => ({
    clock: document.querySelector('.clock').textContent,
    roles: [...document.querySelectorAll('g.node')].map((n) => `${n.dataset.node}:${n.getAttribute('class').replace(' selected', '')}`).sort(),
    findings: document.querySelector('.finding-counts')?.textContent ?? '',
    audit: document.querySelector('.audit-log')?.textContent ?? '',
  }));
}

async function shareLink(page) {
  await page.click('button.share-button');
  await page.waitForSelector('input[aria-label="share link"]');
  const url = await page.inputValue('input[aria-label="share link"]');
  return url;
}

test('a share link opens the same moment in a fresh browser profile', async () => {
  const sender = await newPage(env.browser);
  await open('async-failover-loses-writes', sender.page);
  await setRange(sender.page, 'speed', 75); // 100×
  await sender.page.click('button.play');
  await runTo(sender.page, 4);
  await sender.page.click('button.play');
  // A hand action the scenario does not hold: crash db3 now.
  await sender.page.click('g.node[data-node=db3]');
  await sender.page.click('.inspector button:has-text("Crash")');
  await sender.page.click('button.play');
  await runTo(sender.page, 14);
  await sender.page.click('button.play');
  const url = await shareLink(sender.page);
  assert.match(url, /#v1\./);
  const chars = url.split('#')[1].length;
  assert.ok(chars <= 300, `a preset with one action fits in 300 characters: ${chars}`);
  assert.ok(await sender.page.locator('svg.qr path').count() === 1, 'a QR code is drawn');
  await sender.context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: env.server.url });
  await sender.page.click('button.copy-link');
  await sender.page.waitForSelector('button.copy-link:has-text("Copied")');
  assert.equal(await sender.page.evaluate(() => navigator.clipboard.readText()), url);
  await screenshot(sender.page, 'share-dialog.png');
  await sender.page.click('button:has-text("Close")');
  // The side panel settles a moment after the last frame.
  await sender.page.waitForTimeout(400);
  const seen = await moment(sender.page);

  const receiver = await newPage(env.browser); // a new context: a fresh profile, empty storage
  await receiver.page.goto(url);
  await receiver.page.waitForFunction((c) => document.querySelector('.clock')?.textContent === c, seen.clock, { timeout: 60000 });
  await receiver.page.waitForTimeout(400);
  const got = await moment(receiver.page);
  assert.deepEqual(got, seen);
  assert.ok(seen.roles.some((r) => r.startsWith('db3:') && r.includes('crashed')), 'the hand action travelled');
  assert.equal(new URL(receiver.page.url()).hash, '', 'the address bar drops the link once it is open');
  await screenshot(receiver.page, 'opened-from-link.png');
  assert.deepEqual([...sender.errors, ...receiver.errors], []);
  await sender.context.close();
  await receiver.context.close();
});

test('a bad link shows the error in words and keeps the autosaved run', async () => {
  const { page, errors, context } = await newPage(env.browser);
  await open('planned-switchover', page);
  await page.click('g.node[data-node=db3]');
  await page.click('.inspector button:has-text("Crash")');
  await page.waitForSelector('g.node[data-node=db3].crashed');

  // Pasted into the address bar of the open page: only the fragment changes.
  await page.goto(`${env.server.url}#v1.this-is-not-a-link`);
  await page.waitForSelector('.notice');
  assert.match(await page.textContent('.notice'), /cannot be opened: the link is damaged/);
  assert.equal(await page.locator('g.node[data-node=db3].crashed').count(), 1, 'the run is untouched');

  // Reloaded with the bad link: the error again, and the autosave restores the run.
  await page.reload();
  await page.waitForSelector('.notice');
  assert.match(await page.textContent('.notice'), /cannot be opened/);
  await page.waitForSelector('g.node[data-node=db3].crashed');
  assert.equal(await page.$eval('select[aria-label=scenario]', (s) => s.value), 'planned-switchover');
  await screenshot(page, 'bad-link.png');

  // A link from a newer playground says so.
  await page.goto(`${env.server.url}#v7.AAAA`);
  await page.waitForFunction(() => document.querySelector('.notice')?.textContent.includes('newer playground'));
  assert.deepEqual(errors, []);
  await context.close();
});

test('a lesson narrates, highlights what to watch, and checks its goal live', async () => {
  const { page, errors, context } = await newPage(env.browser);
  await open('async-failover-loses-writes', page);
  await page.waitForSelector('.lesson');
  assert.match(await page.textContent('.lesson .verdict'), /Not yet/);
  await page.click('.lesson button:has-text("Next")');
  assert.match(await page.textContent('.lesson .step-count'), /Step 2 of/);
  assert.ok(await page.locator('g.node.highlighted').count() >= 1, 'what to watch is highlighted');
  await page.click('button.fast-forward');
  await page.waitForFunction(() => document.querySelector('.lesson .verdict')?.textContent.includes('Passed'), null, { timeout: 60000 });
  await screenshot(page, 'lesson-passed.png');
  assert.deepEqual(errors, []);
  await context.close();
});

test('the fault timeline edits the scenario, and files export and import', async () => {
  const { page, errors, context } = await newPage(env.browser);
  await open('free-play', page);
  const before = (await shareLink(page)).split('#')[1].length;
  await page.click('button:has-text("Close")');

  await page.click('.timeline-editor summary');
  const rows = await page.locator('.timed-actions li').count();
  await page.fill('.add-action input[aria-label="at (s)"]', '2');
  await page.selectOption('.add-action select[aria-label=kind]', 'power_loss');
  await page.selectOption('.add-action select[aria-label=node]', 'db2');
  await page.click('.add-action button.add');
  await page.waitForFunction((n) => document.querySelectorAll('.timed-actions li').length === n + 1, rows);
  assert.match(await page.textContent('select[aria-label=scenario]'), /\(custom\)/);
  await page.click('button.fast-forward');
  await page.waitForSelector('g.node[data-node=db2].crashed', { timeout: 60000 });
  await screenshot(page, 'timeline-editor.png');

  // The link now carries the edited scenario itself.
  const url = await shareLink(page);
  assert.ok(url.split('#')[1].length > before, 'the edited scenario travels whole');
  const href = await page.getAttribute('a.export', 'href');
  const file = JSON.parse(decodeURIComponent(href.replace(/^data:application\/json;charset=utf-8,/, '')));
  assert.ok(file.timeline.some((a) => a.action === 'crash' && a.node === 'db2' && a.at_ms === 2000 && a.power_loss));

  // Import: a file becomes the run; a broken file is refused in words and changes nothing.
  file.name = 'Imported for class';
  await page.setInputFiles('input[aria-label="import a scenario file"]', { name: 'class.json', mimeType: 'application/json', buffer: Buffer.from(JSON.stringify(file)) });
  await page.waitForFunction(() => document.querySelector('select[aria-label=scenario]').textContent.includes('Imported for class'));
  await page.click('button.share-button');
  await page.setInputFiles('input[aria-label="import a scenario file"]', { name: 'bad.json', mimeType: 'application/json', buffer: Buffer.from('{"version": 1, "name": "x"') });
  await page.waitForSelector('.notice');
  assert.match(await page.textContent('.notice'), /cannot be loaded/);
  assert.match(await page.textContent('select[aria-label=scenario]'), /Imported for class/);
  // Removing the scripted action again.
  await page.click('button:has-text("Close")');
  if (!(await page.$eval('.timeline-editor', (d) => d.open))) await page.click('.timeline-editor summary');
  await page.click('.timed-actions li:last-child button.delete');
  await page.waitForFunction((n) => document.querySelectorAll('.timed-actions li').length === n, rows);
  assert.deepEqual(errors, []);
  await context.close();
});
