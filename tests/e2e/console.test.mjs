// The MySQL console of a node, as a student uses it: ask a replica for its status, stop its
// IO thread, try to write to it, recall and complete statements; the link carries the
// transcript, and the statements replay to the same trace hash in wasm and natively.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { useBrowser, newPage, screenshot, setRange, shots } from './harness.mjs';

const env = useBrowser(before, after);
const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../..');

const input = '.inspector .console-input input';
const entries = '.inspector .console-entry';

async function openFreePlay(page) {
  await page.goto(env.server.url);
  await page.waitForSelector('svg .node');
  await page.selectOption('select[aria-label=scenario]', 'free-play');
  await page.waitForSelector('svg .node[data-node=db3]');
}

/** Types `sql` into the console and presses Enter; resolves to the reply's text. */
async function send(page, sql) {
  const before = await page.locator(entries).count();
  await page.fill(input, sql);
  await page.press(input, 'Enter');
  await page.waitForFunction(([sel, n]) => document.querySelectorAll(sel).length === n + 1, [entries, before]);
  assert.equal(await page.inputValue(input), '', 'Enter clears the line');
  return page.locator(`${entries} >> nth=${before}`).locator('.console-reply').textContent();
}

const transcript = (page) => page.$eval('.inspector .console-output', (o) => o.innerText);

/** The run's scenario file, as the share dialog exports it (hand actions in its timeline). */
async function exportedScenario(page) {
  await page.click('button.share-button');
  await page.waitForSelector('a.export');
  const href = await page.getAttribute('a.export', 'href');
  const url = await page.inputValue('input[aria-label="share link"]');
  await page.click('button:has-text("Close")');
  return { url, file: JSON.parse(decodeURIComponent(href.replace(/^data:application\/json;charset=utf-8,/, ''))) };
}

/** The native runner's report for a scenario file (built first, so it is this tree's engine). */
function nativeRun(file) {
  const built = execFileSync('cargo', ['build', '--quiet', '--locked', '--bin', 'rplay', '--message-format=json'], { cwd: root, encoding: 'utf8', maxBuffer: 64 << 20, timeout: 900_000 });
  const exe = built.split('\n').filter((l) => l.includes('"executable"')).map((l) => JSON.parse(l)).find((m) => m.target?.name === 'rplay')?.executable;
  assert.ok(exe, 'cargo built rplay');
  fs.mkdirSync(shots, { recursive: true });
  const json = path.join(shots, 'console-run.json');
  fs.writeFileSync(json, JSON.stringify(file, null, 2));
  return JSON.parse(execFileSync(exe, ['run', json], { encoding: 'utf8', maxBuffer: 64 << 20 }));
}

test('a replica console: status, stop the IO thread, a refused write, history and completion, the link, the hash', async () => {
  const { page, errors, context } = await newPage(env.browser);
  await openFreePlay(page);
  await setRange(page, 'speed', 50); // 10×
  await page.click('button.play');
  await page.waitForFunction(() => parseFloat(document.querySelector('.clock').textContent) >= 3, null, { timeout: 60000 });
  await page.click('button.play');
  await page.click('g.node[data-node=db2]');
  await page.waitForSelector(input);
  assert.match(await page.textContent('.inspector .console-hint'), /Paused at/);

  const status = await send(page, 'SHOW REPLICA STATUS\\G');
  assert.match(status, /Replica_IO_Running: Yes/);
  assert.match(status, /Replica_SQL_Running: Yes/);
  assert.match(status, /Source_Host: db1/);
  assert.match(await page.textContent(`${entries} >> nth=0 >> .console-sql`), /^db2 \[playground\]> SHOW REPLICA STATUS\\G$/, 'echoed as typed');

  assert.doesNotMatch(await send(page, 'STOP REPLICA IO_THREAD'), /ERROR/);
  const stopped = await send(page, 'SHOW REPLICA STATUS\\G');
  assert.match(stopped, /Replica_IO_Running: No/);
  assert.match(stopped, /Replica_SQL_Running: Yes/);

  // root writes through read_only (it has SUPER); super_read_only stops it, as in MySQL.
  assert.doesNotMatch(await send(page, 'SET GLOBAL super_read_only = ON'), /ERROR/);
  const refused = await send(page, 'INSERT INTO kv VALUES (1000, 1)');
  assert.match(refused, /^ERROR 1290 \(HY000\): .*super-read-only/);
  assert.equal(await page.locator(`${entries} >> nth=-1 >> .console-error`).count(), 1, 'an error is styled as one');

  // ↑/↓ walk what was sent; Escape leaves the line.
  await page.focus(input);
  await page.press(input, 'ArrowUp');
  assert.equal(await page.inputValue(input), 'INSERT INTO kv VALUES (1000, 1)');
  await page.press(input, 'ArrowUp');
  assert.equal(await page.inputValue(input), 'SET GLOBAL super_read_only = ON');
  await page.press(input, 'ArrowDown');
  await page.press(input, 'ArrowDown');
  assert.equal(await page.inputValue(input), '');

  // Tab completes a statement's words; several choices are listed.
  await page.fill(input, 'SHOW REP');
  await page.press(input, 'Tab');
  assert.match(await page.inputValue(input), /^SHOW REPLICA/);
  assert.ok(await page.evaluate((sel) => document.activeElement === document.querySelector(sel), input), 'Tab keeps the focus in the console');
  const choices = await page.locator('.inspector .console-choices li').allTextContents();
  assert.ok(choices.length === 0 || choices.some((c) => /REPLICAS?/i.test(c)), `choices: ${choices}`);

  // The page's single-key shortcuts do not fire while typing: space would play, c crash.
  await page.fill(input, '');
  await page.type(input, 'select c ');
  assert.equal(await page.inputValue(input), 'select c ');
  assert.match(await page.textContent('button.play'), /Play/, 'still paused');
  assert.equal(await page.locator('g.node[data-node=db2].crashed').count(), 0, 'not crashed');
  await page.press(input, 'Escape');
  assert.ok(await page.evaluate((sel) => document.activeElement !== document.querySelector(sel), input), 'Escape leaves the input');
  await page.fill(input, '');
  await screenshot(page, 'console-1280.png');
  const seen = await transcript(page);
  // Wider: the side panel grows for a projector, so a \G listing's values fit.
  const narrow = await page.$eval('.inspector .console-output', (o) => o.clientWidth);
  await page.click('.inspector button.console-widen');
  await page.waitForSelector('.app.console-wide');
  const wide = await page.$eval('.inspector .console-output', (o) => o.clientWidth);
  assert.ok(wide > narrow * 1.5, `wider: ${narrow} → ${wide}`);
  await page.locator('.inspector .console').scrollIntoViewIfNeeded();
  await screenshot(page, 'console-1280-wider.png');
  await page.click('.inspector button.console-widen');
  await page.waitForSelector('.app:not(.console-wide)');

  // The share link reopens the same transcript in a fresh profile.
  const { url, file } = await exportedScenario(page);
  const sqlActions = file.timeline.filter((a) => a.action === 'sql');
  assert.deepEqual(sqlActions.map((a) => a.sql), ['SHOW REPLICA STATUS\\G', 'STOP REPLICA IO_THREAD', 'SHOW REPLICA STATUS\\G', 'SET GLOBAL super_read_only = ON', 'INSERT INTO kv VALUES (1000, 1)']);
  assert.ok(sqlActions.every((a) => a.node === 'db2'));
  const receiver = await newPage(env.browser);
  await receiver.page.goto(url);
  await receiver.page.waitForSelector('g.node[data-node=db2]');
  await receiver.page.waitForFunction((c) => document.querySelector('.clock')?.textContent === c, await page.textContent('.clock'), { timeout: 60000 });
  await receiver.page.click('g.node[data-node=db2]');
  await receiver.page.waitForSelector(entries);
  assert.equal(await transcript(receiver.page), seen);

  // The same statements, replayed from the exported file: wasm and native agree.
  file.run_ms = 20000;
  const wasm = JSON.parse(await page.evaluate((json) => window.wasmBindings.playground_run(json), JSON.stringify(file)));
  assert.ok(!wasm.error, wasm.error);
  const native = nativeRun(file);
  assert.equal(wasm.trace_hash, native.trace_hash, 'the browser replays console statements to the native trace hash');
  assert.equal(wasm.events, native.events);

  // Each node has its own console and its own history; a crashed server answers no one.
  await page.click('g.node[data-node=db3]');
  await page.waitForSelector('.inspector .console-hello');
  await page.press(input, 'ArrowUp');
  assert.equal(await page.inputValue(input), '', "db3's history is its own");
  await page.click('.inspector button:has-text("Crash")');
  await page.waitForSelector('g.node[data-node=db3].crashed');
  assert.match(await send(page, 'SELECT COUNT(*) FROM kv'), /^ERROR 2\d\d\d /);
  await page.click('g.node[data-node=db2]');
  await page.waitForSelector(entries);
  await page.press(input, 'ArrowUp');
  assert.equal(await page.inputValue(input), 'INSERT INTO kv VALUES (1000, 1)');
  assert.deepEqual([...errors, ...receiver.errors], []);
  await receiver.context.close();
  await context.close();
});

test('on a phone the console fits the width and its input stays above the keyboard', async () => {
  const context = await env.browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 });
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await openFreePlay(page);
  await page.tap('g.node[data-node=db2]');
  await page.waitForSelector(input);
  await send(page, 'SHOW REPLICA STATUS\\G');
  await send(page, 'SELECT COUNT(*) FROM kv');
  // While paused a write waits for simulated time to commit, and says so; playing finishes it.
  assert.match(await send(page, 'INSERT INTO kv VALUES (2000, 7)'), /waiting to commit.*press Play/);
  await page.tap('button.play');
  await page.waitForFunction((sel) => /Query OK, 1 row affected/.test(document.querySelector(`${sel}:last-child .console-reply`)?.textContent), entries, { timeout: 30000 });
  await page.tap('button.play');
  await page.focus(input);
  const box = await page.locator(input).boundingBox();
  assert.ok(box.width >= 120, `the input is wide enough to type in: ${box.width}`);
  const pageWidth = await page.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(pageWidth <= 390, `long replies scroll inside the console, not the page: ${pageWidth}`);
  const output = await page.$eval('.inspector .console-output', (o) => ({ scroll: o.scrollWidth, client: o.clientWidth, right: o.getBoundingClientRect().right }));
  assert.ok(output.right <= 390, `the console fits the screen: ${output.right}`);
  // An on-screen keyboard takes about half the screen: the input must still show above it.
  await page.setViewportSize({ width: 390, height: 420 });
  await page.locator(input).scrollIntoViewIfNeeded();
  const shown = await page.locator(input).boundingBox();
  assert.ok(shown.y >= 0 && shown.y + shown.height <= 420, `input visible: ${JSON.stringify(shown)}`);
  await screenshot(page, 'console-390-keyboard.png');
  await page.setViewportSize({ width: 390, height: 844 });
  await page.locator('.inspector .console').scrollIntoViewIfNeeded();
  await screenshot(page, 'console-390.png');
  assert.deepEqual(errors, []);
  await context.close();
});
