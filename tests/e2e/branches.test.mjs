// Acting in the past keeps the old future as a branch: the free-play example.
// Crash db3 near 4.7 s, run to ~34.7 s, scrub back to 2 s, crash db2: a notice says a new
// branch started, the old run is one click away, and Undo restores it.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { useBrowser, newPage, screenshot, setRange } from './harness.mjs';

const env = useBrowser(before, after);

const clock = (page) => page.evaluate(() => parseFloat(document.querySelector('.clock').textContent));
const timelineEnd = (page) => page.evaluate(() => Number(document.querySelector('input[aria-label=timeline]').max));
const crashed = (page, node) => page.evaluate((n) => document.querySelector(`g.node[data-node=${n}]`).classList.contains('crashed'), node);

async function settle(page, test, value) {
  await page.waitForFunction(([test, value]) => {
    const t = parseFloat(document.querySelector('.clock').textContent);
    return (test === '>=' ? t >= value : Math.abs(t - value) < 0.011) && !document.querySelector('.progress');
  }, [test, value], { timeout: 60000 });
}

async function crash(page, node) {
  await page.click(`g.node[data-node=${node}] circle.node-body`);
  await page.click('.inspector button:has-text("Crash")');
  await page.waitForSelector(`g.node[data-node=${node}].crashed`);
}

test('acting in the past keeps the old branch reachable and undo restores it', async () => {
  const { page, errors, context } = await newPage(env.browser);
  await page.goto(env.server.url);
  await page.waitForSelector('svg .node');
  await page.selectOption('select[aria-label=scenario]', 'free-play');
  await page.waitForSelector('svg .node[data-node=db3]');
  await setRange(page, 'speed', 50); // 10×
  await page.click('button.play');
  await settle(page, '>=', 4.7);
  await page.click('button.play');
  const crashAt = await clock(page);
  await crash(page, 'db3');
  assert.equal(await page.locator('.branch-bar').count(), 0, 'acting at the end of the run is no branch');
  await page.click('button.fast-forward');
  await settle(page, '>=', crashAt + 30);
  const oldEnd = await timelineEnd(page);

  await setRange(page, 'timeline', 2000);
  await settle(page, '~', 2);
  await crash(page, 'db2');
  await page.waitForSelector('.branch-notice');
  assert.match(await page.textContent('.branch-notice'), /new branch started at 2\.0\d s/);
  await page.click('.branches-toggle');
  const rows = await page.locator('.branch-list li').allTextContents();
  assert.equal(rows.length, 2, rows.join(' | '));
  assert.match(rows[0], /crash db3/);
  assert.match(rows[1], /crash db2/);
  await screenshot(page, 'branches-notice.png');
  await page.setViewportSize({ width: 390, height: 844 });
  await screenshot(page, 'branches-phone.png');
  await page.setViewportSize({ width: 1280, height: 720 });

  // The old branch is one click away, where it was left, with its whole run.
  await page.click('.branch-list li >> nth=0 >> button:has-text("Switch")');
  await settle(page, '~', 2);
  assert.equal(await timelineEnd(page), oldEnd);
  assert.equal(await crashed(page, 'db2'), false);
  await page.click('.branch-list li >> nth=1 >> button:has-text("Switch")');
  await settle(page, '~', 2);
  assert.equal(await crashed(page, 'db2'), true);

  // Crash db2 again in the past of this branch, then undo: that branch is dropped.
  await setRange(page, 'timeline', 1000);
  await settle(page, '~', 1);
  await crash(page, 'db1');
  await page.waitForSelector('.branch-notice');
  assert.equal(await page.locator('.branch-list li').count(), 3);
  await page.click('.branch-notice button.undo');
  await page.waitForSelector('.branch-notice', { state: 'detached' });
  await settle(page, '~', 1);
  assert.equal(await page.locator('.branch-list li').count(), 2);
  assert.equal(await crashed(page, 'db1'), false);

  // Back on the first branch, the old future plays on: db3 is down after the crash.
  await page.click('.branch-list li >> nth=0 >> button:has-text("Switch")');
  await setRange(page, 'timeline', Math.round(crashAt * 1000) + 3000);
  await settle(page, '~', crashAt + 3);
  assert.equal(await crashed(page, 'db3'), true);
  assert.equal(await timelineEnd(page), oldEnd);
  assert.deepEqual(errors, []);
  await context.close();
});
