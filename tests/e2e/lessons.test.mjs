// A lesson runs a class on its own: the step follows the clock while the run plays (at 1×
// and at 10×) and each step shows only once what it describes has happened; Next / Back and
// n / b move the run to a step's moment; scrubbing back brings the earlier step back.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { useBrowser, newPage, screenshot, setRange } from './harness.mjs';

const env = useBrowser(before, after);
const LESSON = 'async-failover-loses-writes';

async function open(page, preset) {
  await page.goto(env.server.url);
  await page.waitForSelector('svg .node');
  await page.selectOption('select[aria-label=scenario]', preset);
  await page.waitForSelector('svg .node[data-node=db3]');
  await page.waitForSelector('.lesson');
}

const stepNo = async (page) => Number((await page.textContent('.lesson .step-count')).match(/Step (\d+)/)[1]);
const clockS = async (page) => parseFloat(await page.textContent('.clock'));

/** Records, from inside the page, the clock and the cluster every time the step changes. */
async function watchSteps(page) {
  await page.evaluate(() => {
    window.__steps = [];
    const seen = () => {
      const m = document.querySelector('.lesson .step-count')?.textContent.match(/Step (\d+)/);
      const step = m ? Number(m[1]) : 0;
      const last = window.__steps[window.__steps.length - 1];
      if (last && last.step === step) return;
      const primaries = [...document.querySelectorAll('g.node.primary')].map((n) => n.dataset.node);
      const lost = document.querySelector('li.finding.lost_write') !== null;
      window.__steps.push({ step, clock: parseFloat(document.querySelector('.clock').textContent), primaries, lost });
    };
    seen();
    new MutationObserver(seen).observe(document.body, { subtree: true, childList: true, characterData: true });
  });
}

/** Plays the lesson to its end at `speed`× and checks each step against what was on screen. */
async function playThrough(page, sliderPos, label) {
  await open(page, LESSON);
  await setRange(page, 'speed', sliderPos);
  await watchSteps(page);
  await page.click('button.play');
  await page.waitForFunction(() => parseFloat(document.querySelector('.clock').textContent) >= 21, null, { timeout: 90000 });
  await page.click('button.play');
  const steps = await page.evaluate(() => window.__steps);
  assert.deepEqual(steps.map((s) => s.step), [1, 2, 3, 4], `${label}: every step in order, ${JSON.stringify(steps)}`);
  const [, second, third, fourth] = steps;
  assert.ok(second.clock >= 5 && second.clock < 6, `${label}: step 2 at its 5 s moment, ${second.clock}`);
  // Step 3 narrates the promotion: a replica is the primary when it shows (db1, down, keeps its role).
  assert.ok(third.clock >= 10, `${label}: the failover step after the promotion, ${third.clock}`);
  assert.ok(third.primaries.some((n) => n !== 'db1'), `${label}: a replica was promoted, ${third.primaries}`);
  assert.ok(fourth.clock >= 20 && fourth.lost, `${label}: step 4 once lost_write was found`);
}

test('played at 1×, each step shows when what it describes has happened', { timeout: 120000 }, async () => {
  const { page, errors, context } = await newPage(env.browser);
  await playThrough(page, 25, '1×');
  assert.deepEqual(errors, []);
  await context.close();
});

test('played at 10×, the same', async () => {
  const { page, errors, context } = await newPage(env.browser);
  await playThrough(page, 50, '10×');
  assert.deepEqual(errors, []);
  await context.close();
});

test('Next / Back and n / b move the run to each step; scrubbing keeps the step in sync', async () => {
  const { page, errors, context } = await newPage(env.browser);
  await open(page, LESSON);
  // Step 1 watches db1, the healthy primary: pointed at in the watch colour, not ringed in
  // the orange of a broken node.
  const ring = await page.$eval('g.node[data-node=db1].highlighted .node-ring', (r) => getComputedStyle(r).stroke);
  assert.equal(ring, 'rgb(255, 255, 255)');
  await screenshot(page, 'lesson-step1-watch.png');
  await page.click('.lesson button:has-text("Next")');
  await page.waitForFunction(() => document.querySelector('.clock').textContent.startsWith('5.00'));
  assert.equal(await stepNo(page), 2);
  assert.equal(await page.locator('.channel.watched').count(), 2, 'the two lossy links are watched');
  await screenshot(page, 'lesson-step2-links.png');
  assert.match(await page.textContent('.lesson .step-when'), /at 5\.00 s/);
  // Step 3 waits for the failover, which this run has not reached: the page runs ahead and
  // lands half a second after the promotion.
  await page.keyboard.press('n');
  await page.waitForFunction(() => document.querySelector('.lesson .step-when')?.textContent.includes('after the first failover, at'), null, { timeout: 60000 });
  await page.waitForFunction(() => !document.querySelector('.clock').textContent.startsWith('25'));
  assert.equal(await stepNo(page), 3);
  const landed = await clockS(page);
  assert.ok(landed > 10 && landed < 12, `lands after the promotion: ${landed}`);
  assert.equal(await page.locator('g.node.primary:not([data-node=db1])').count(), 1, 'a replica was promoted');
  assert.equal(await page.locator('g.actor.manager.watched').count(), 1, 'the orchestrator is watched');
  assert.equal(await page.locator('.panel-frame.watched .failover').count(), 1, 'the Failover panel is watched');
  await page.setViewportSize({ width: 1280, height: 720 });
  await screenshot(page, 'lesson-mid-class.png');
  await page.setViewportSize({ width: 390, height: 844 });
  await screenshot(page, 'lesson-mid-class-phone.png');
  await page.setViewportSize({ width: 1280, height: 720 });
  await page.keyboard.press('b');
  await page.waitForFunction(() => document.querySelector('.clock').textContent.startsWith('5.00'));
  assert.equal(await stepNo(page), 2);
  // Scrubbing: the timeline's seek goes through the same path as a click on it.
  await page.keyboard.press('n');
  await page.waitForFunction(() => parseFloat(document.querySelector('.clock').textContent) > 10);
  await page.keyboard.press('n');
  await page.waitForFunction(() => document.querySelector('.clock').textContent.startsWith('20.00'));
  assert.equal(await stepNo(page), 4);
  await setRange(page, 'timeline', 8000);
  await page.waitForFunction(() => document.querySelector('.clock').textContent.startsWith('8.00'));
  await page.waitForFunction(() => document.querySelector('.lesson .step-count').textContent.includes('Step 2'));
  await setRange(page, 'timeline', 1000);
  await page.waitForFunction(() => document.querySelector('.lesson .step-count').textContent.includes('Step 1'));
  await setRange(page, 'timeline', 12000);
  await page.waitForFunction(() => document.querySelector('.lesson .step-count').textContent.includes('Step 3'));
  assert.deepEqual(errors, []);
  await context.close();
});

test('a link reopens at the sender’s lesson step and speed', async () => {
  const sender = await newPage(env.browser);
  await open(sender.page, LESSON);
  await setRange(sender.page, 'speed', 50); // 10×
  await sender.page.keyboard.press('n');
  await sender.page.waitForFunction(() => document.querySelector('.clock').textContent.startsWith('5.00'));
  await sender.page.click('button.share-button');
  await sender.page.waitForSelector('input[aria-label="share link"]');
  const url = await sender.page.inputValue('input[aria-label="share link"]');
  const speed = await sender.page.textContent('.speed-value');
  const receiver = await newPage(env.browser);
  await receiver.page.goto(url);
  await receiver.page.waitForSelector('.lesson');
  await receiver.page.waitForFunction(() => document.querySelector('.clock').textContent.startsWith('5.00'));
  assert.equal(await stepNo(receiver.page), 2);
  assert.equal(await receiver.page.textContent('.speed-value'), speed);
  assert.match(speed, /10/);
  assert.deepEqual([...sender.errors, ...receiver.errors], []);
  await sender.context.close();
  await receiver.context.close();
});
