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

test('the branches survive a reload; a damaged record is said and the run opens alone', async () => {
  const { page, errors, context } = await newPage(env.browser);
  await page.goto(env.server.url);
  await page.waitForSelector('svg .node');
  await page.selectOption('select[aria-label=scenario]', 'free-play');
  await page.waitForSelector('svg .node[data-node=db3]');
  await setRange(page, 'timeline', 0);
  await crash(page, 'db3');
  await page.click('button.fast-forward');
  await settle(page, '>=', 30);
  await setRange(page, 'timeline', 2000);
  await settle(page, '~', 2);
  await crash(page, 'db2');
  await page.waitForSelector('.branch-notice');

  await page.reload();
  await page.waitForSelector('.branch-bar');
  await settle(page, '~', 2);
  assert.equal(await crashed(page, 'db2'), true, 'the branch shown reopens');
  assert.match(await page.textContent('.branches-toggle'), /Branches \(2\)/);
  assert.match(await page.textContent('.branch-notice'), /new branch started at 2\.0\d s/, 'Undo is still offered');
  await page.click('.branches-toggle');
  const rows = await page.locator('.branch-list li').allTextContents();
  assert.match(rows[0], /crash db3 at 0\.00 s/);
  assert.match(rows[1], /from 2\.0\d s: crash db3 at 0\.00 s, crash db2 at 2\.0\d s/);
  await screenshot(page, 'branches-reloaded.png');
  await page.setViewportSize({ width: 390, height: 844 });
  await screenshot(page, 'branches-reloaded-phone.png');
  await page.setViewportSize({ width: 1280, height: 720 });

  // The other branch is recomputed from its actions: db3 down, db2 up.
  await page.click('.branch-list li >> nth=0 >> button:has-text("Switch")');
  await settle(page, '~', 2);
  assert.equal(await crashed(page, 'db2'), false);
  assert.equal(await crashed(page, 'db3'), true);

  // A damaged record: said in words, the run shown opens alone, the page works.
  await page.evaluate(() => localStorage.setItem('replication-playground.branches.v1', JSON.stringify('{"v":1,')));
  await page.reload();
  await page.waitForSelector('.notice');
  assert.match(await page.textContent('.notice'), /other branches could not be restored/);
  await page.waitForSelector('svg .node[data-node=db3].crashed');
  assert.equal(await page.locator('.branch-bar').count(), 0);
  await screenshot(page, 'branches-damaged.png');
  // A record from a newer playground, the same.
  await page.evaluate(() => localStorage.setItem('replication-playground.branches.v1', JSON.stringify('rplay-branches 9\n0 -\n')));
  await page.reload();
  await page.waitForSelector('.notice');
  assert.match(await page.textContent('.notice'), /another version/);
  assert.deepEqual(errors, []);
  await context.close();
});
