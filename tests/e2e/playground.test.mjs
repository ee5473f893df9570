// The playground as a teacher uses it: break the cluster, watch it fail over, go back in time.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { useBrowser, newPage, screenshot, setRange } from './harness.mjs';

const env = useBrowser(before, after);

async function open(preset) {
  const { page, errors, context } = await newPage(env.browser);
  await page.goto(env.server.url);
  await page.waitForSelector('svg .node');
  await page.selectOption('select[aria-label=scenario]', preset);
  await page.waitForSelector('svg .node[data-node=db3]');
  return { page, errors, context };
}

const simSeconds = (page) => page.evaluate(() => parseFloat(document.querySelector('.clock').textContent));

async function runTo(page, seconds) {
  await page.waitForFunction((s) => parseFloat(document.querySelector('.clock').textContent) >= s, seconds, { timeout: 60000 });
}

test('crash the primary, watch the failover, see the new primary and the audit log name it', async () => {
  const { page, errors, context } = await open('free-play');
  await setRange(page, 'speed', 50); // 10×
  await page.click('button.play');
  await runTo(page, 3);
  await page.click('g.node[data-node=db1]');
  await page.click('.inspector button:has-text("Crash")');
  await page.waitForSelector('g.node[data-node=db1].crashed');
  await page.waitForFunction(() => [...document.querySelectorAll('g.node.primary')].some((n) => n.dataset.node !== 'db1' && !n.classList.contains('crashed')), null, { timeout: 60000 });
  const promoted = await page.evaluate(() => [...document.querySelectorAll('g.node.primary')].find((n) => n.dataset.node !== 'db1').dataset.node);
  assert.ok(['db2', 'db3'].includes(promoted), promoted);
  // The side panel follows the run a few times a second.
  await page.waitForFunction((p) => document.querySelector('.audit-log')?.textContent.includes(`${p} promoted`), promoted, { timeout: 5000 });
  assert.match(await page.textContent('.candidates'), /chosen/);
  await screenshot(page, 'failover.png');

  // Scrub back before the crash: the old primary is alive again.
  await setRange(page, 'timeline', 1000);
  await page.waitForFunction(() => parseFloat(document.querySelector('.clock').textContent) <= 1.05, null, { timeout: 30000 });
  await page.waitForSelector('g.node[data-node=db1].primary:not(.crashed)');
  assert.equal(await page.locator('g.node.crashed').count(), 0);
  await screenshot(page, 'scrubbed-back.png');
  assert.deepEqual(errors, []);
  await context.close();
});

test('cut a replica link and it falls behind; heal it and it catches up', async () => {
  const { page, errors, context } = await open('free-play');
  await setRange(page, 'speed', 50);
  await page.click('button.play');
  await runTo(page, 2);
  const received = () => page.evaluate(() => parseFloat(document.querySelector('g.node[data-node=db2] rect.bar.received').getAttribute('width')));
  const full = await received();
  await page.click('g.channel-group:has(line.channel) >> nth=0');
  await page.click('.inspector button:has-text("Cut both ways")');
  const cutAt = await simSeconds(page);
  await runTo(page, cutAt + 8);
  const behind = await received();
  assert.ok(behind < full * 0.9, `received bar ${behind} < ${full}`);
  assert.ok((await page.locator('.cut-mark').count()) > 0);
  await screenshot(page, 'link-cut.png');
  await page.click('.inspector button:has-text("Heal")');
  const healedAt = await simSeconds(page);
  await runTo(page, healedAt + 6);
  const caughtUp = await received();
  assert.ok(caughtUp > full * 0.95, `caught up: ${caughtUp}`);
  await screenshot(page, 'link-healed.png');
  assert.deepEqual(errors, []);
  await context.close();
});

test('keyboard: space plays and pauses, → steps one event, ? opens the help', async () => {
  const { page, context } = await open('free-play');
  const t0 = await simSeconds(page);
  await page.keyboard.press('ArrowRight');
  assert.ok((await simSeconds(page)) >= t0);
  await page.keyboard.press('Space');
  await page.waitForFunction(() => document.querySelector('button.play').textContent.includes('Pause'));
  await page.keyboard.press('Space');
  await page.keyboard.press('?');
  await page.waitForSelector('.help-overlay');
  assert.match(await page.textContent('.help-overlay'), /semi-sync ack/);
  await screenshot(page, 'help.png');
  await context.close();
});

test('keyboard: c and Esc act like the buttons, and the side panel follows while paused', async () => {
  const { page, context } = await open('free-play');
  await page.click('g.node[data-node=db2]');
  await page.waitForSelector('.inspector h2:has-text("db2")');
  await page.keyboard.press('c');
  await page.waitForSelector('g.node[data-node=db2].crashed');
  await page.waitForSelector('.inspector button:has-text("Restart")', { timeout: 2000 });
  await page.keyboard.press('Escape');
  await page.waitForFunction(() => !document.querySelector('aside .inspector'), null, { timeout: 2000 });
  assert.equal(await page.locator('g.node.selected').count(), 0);
  await context.close();
});
