// The timeline a teacher reads: markers for the whole computed run (also after scrubbing
// back), same-moment markers merged into one clickable marker with a count, labels on hover
// and focus, and [ / ] to jump between them.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { useBrowser, newPage, screenshot, setRange } from './harness.mjs';

const env = useBrowser(before, after);

const clock = (page) => page.evaluate(() => parseFloat(document.querySelector('.clock').textContent));
const markers = (page) => page.evaluate(() => [...document.querySelectorAll('.controls g.marker')].map((g) => g.getAttribute('aria-label')));

async function open(page, preset) {
  await page.goto(env.server.url);
  await page.waitForSelector('svg .node');
  await page.selectOption('select[aria-label=scenario]', preset);
  await page.waitForSelector('svg .node[data-node=db3]');
}

/** Waits until the clock satisfies `[op, value]` ('>=', '<=', or '~' within 10 ms of a
 * moment in milliseconds) and no seek is still under way. */
async function settleAt(page, op, value) {
  await page.waitForFunction(([op, value]) => {
    const t = parseFloat(document.querySelector('.clock').textContent);
    const there = op === '>=' ? t >= value : op === '<=' ? t <= value : Math.abs(t * 1000 - value) < 10;
    return there && !document.querySelector('.progress');
  }, [op, value], { timeout: 60000 });
}

test('markers stay after scrubbing back, merge at one moment, open on click and on the keys', async () => {
  const { page, errors, context } = await newPage(env.browser);
  await open(page, 'async-failover-loses-writes');
  await page.click('button.fast-forward');
  await settleAt(page, '>=', 30);
  const whole = await markers(page);
  assert.ok(whole.some((l) => /failover \+ \d[\d,]* lost writes/.test(l)), whole.join(' | '));
  const failover = page.locator('.controls g.marker.merged[aria-label*="failover +"]').first();
  await failover.hover();
  await screenshot(page, 'timeline-merged-hover.png');

  // Scrub back to 1 s: the coming failover and its lost writes are still drawn.
  await setRange(page, 'timeline', 1000);
  await settleAt(page, '<=', 1.05);
  assert.deepEqual(await markers(page), whole);
  await screenshot(page, 'timeline-scrubbed-back.png');

  // The merged marker is one click target and goes to its moment.
  const atMs = Number(await failover.getAttribute('data-at-ms'));
  await failover.locator('circle').click();
  await settleAt(page, '~', atMs);

  // ] goes to the next marker, [ back to this one.
  const moments = await page.evaluate(() => [...document.querySelectorAll('.controls g.marker')].map((g) => Number(g.dataset.atMs)));
  const next = moments.find((m) => m > atMs);
  assert.ok(next !== undefined, `a marker after ${atMs}: ${moments}`);
  await page.keyboard.press(']');
  await settleAt(page, '~', next);
  await page.keyboard.press('[');
  await settleAt(page, '~', atMs);

  // Keyboard focus shows the label and Enter goes there.
  const first = page.locator('.controls g.marker').first();
  await page.mouse.move(640, 700);
  await first.focus();
  assert.notEqual(await first.locator('.marker-label').evaluate((e) => getComputedStyle(e).display), 'none');
  assert.equal(await page.locator('.controls g.marker .marker-label').evaluateAll((ls) => ls.filter((e) => getComputedStyle(e).display !== 'none').length), 1, 'only the focused label');
  await page.keyboard.press('Enter');
  await settleAt(page, '~', moments[0]);
  await screenshot(page, 'timeline-focused.png');
  assert.ok((await clock(page)) < atMs / 1000);
  assert.deepEqual(errors, []);
  await context.close();
});

test('the timeline reads on a phone', async () => {
  const { page, errors, context } = await newPage(env.browser);
  await page.setViewportSize({ width: 390, height: 844 });
  await open(page, 'async-failover-loses-writes');
  await page.click('button.fast-forward');
  await settleAt(page, '>=', 30);
  await setRange(page, 'timeline', 5000);
  await settleAt(page, '<=', 5.05);
  await page.locator('.controls g.marker.merged').first().focus();
  await screenshot(page, 'timeline-phone.png');
  assert.deepEqual(errors, []);
  await context.close();
});

test('every lesson step is a mark; one not reached yet says so, and Tab + Enter go looking for it', async () => {
  const { page, errors, context } = await newPage(env.browser);
  await open(page, 'async-failover-loses-writes');
  await page.locator('.controls g.marker[aria-label*="lesson steps 2, 3, 4 — not reached yet"]').waitFor();
  await page.click('.lesson button:has-text("Next")');
  await settleAt(page, '~', 5000);
  // Steps 3 and 4 wait at the end of the bar; each says when it comes.
  const pending = page.locator('.controls g.marker[aria-label*="lesson steps 3, 4 — not reached yet"]');
  await pending.waitFor();
  const said = await pending.getAttribute('aria-label');
  assert.match(said, /lesson step 3 — after the first failover, not reached yet: At 8 s/);
  assert.match(said, /lesson step 4 — at 20\.00 s, not reached yet/);
  await pending.focus();
  await screenshot(page, 'timeline-step-pending.png');
  await page.keyboard.press('Enter');
  await page.waitForFunction(() => /Step 3 of/.test(document.querySelector('.lesson .step-count').textContent)
    && !document.querySelector('.progress'), null, { timeout: 60000 });
  const landed = await clock(page);
  assert.ok(landed > 10 && landed < 12, `just after the failover: ${landed}`);

  // Now it is where it landed, and stays after scrubbing back; ] walks onto it.
  const step3 = page.locator('.controls g.marker.lesson-step[aria-label*="lesson step 3"]');
  assert.doesNotMatch(await step3.getAttribute('aria-label'), /not reached/);
  const atMs = Number(await step3.getAttribute('data-at-ms'));
  assert.ok(Math.abs(atMs - landed * 1000) < 10, `${atMs} vs ${landed}`);
  await setRange(page, 'timeline', 1000);
  await settleAt(page, '<=', 1.05);
  assert.equal(Number(await step3.getAttribute('data-at-ms')), atMs);
  await screenshot(page, 'timeline-steps.png');
  for (let i = 0; i < 10 && (await clock(page)) * 1000 < atMs - 10; i++) {
    await page.keyboard.press(']');
    await settleAt(page, '>=', 0);
  }
  await settleAt(page, '~', atMs);
  await page.waitForFunction(() => /Step 3 of/.test(document.querySelector('.lesson .step-count').textContent));
  await page.setViewportSize({ width: 390, height: 844 });
  await step3.focus();
  await screenshot(page, 'timeline-steps-phone.png');
  assert.deepEqual(errors, []);
  await context.close();
});
