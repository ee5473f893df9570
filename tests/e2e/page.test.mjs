// The page on a phone, a tablet and a keyboard (issue 11): no sideways scroll, the canvas
// first, tap to select, "select several" for partitions, a builder whose labels sit above
// their fields; nodes, links and timeline marks reachable and selectable by keyboard; Esc
// closes every dialog and focus goes into a dialog and back to its opener.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { useBrowser, newPage, openPreset, showPreset, screenshot, setRange } from './harness.mjs';

const env = useBrowser(before, after);

const SIZES = [
  { name: 'phone', width: 390, height: 844 },
  { name: 'tablet', width: 768, height: 1024 },
];

async function openAt(size, preset) {
  const context = await env.browser.newContext({ viewport: { width: size.width, height: size.height }, isMobile: true, hasTouch: true, deviceScaleFactor: 1 });
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  if (preset) await showPreset(page, env.server.url, preset);
  else {
    await page.goto(env.server.url);
    await page.waitForSelector('svg.topology .node');
  }
  return { page, errors, context };
}

/** Fails if the page scrolls sideways or any visible control reaches past the screen. */
async function assertFits(page, where) {
  const m = await page.evaluate(() => {
    const out = [...document.querySelectorAll('button, select, input, a, summary, [tabindex]')]
      .filter((e) => e.getClientRects().length && !e.closest('.console-output, pre, .console-table'))
      .filter((e) => { const r = e.getBoundingClientRect(); return r.right > innerWidth + 0.5 || r.left < -0.5; })
      .map((e) => `${e.tagName}.${e.getAttribute('class') ?? ''} ${e.getAttribute('aria-label') ?? e.textContent.slice(0, 30)}`);
    return { scroll: document.documentElement.scrollWidth, inner: innerWidth, out };
  });
  assert.ok(m.scroll <= m.inner, `${where}: the page is ${m.scroll} px wide on a ${m.inner} px screen`);
  assert.deepEqual(m.out, [], `${where}: controls off the screen`);
}

for (const size of SIZES) {
  test(`${size.name} ${size.width}×${size.height}: no sideways scroll, the canvas first, every control on the screen`, async () => {
    const { page, errors, context } = await openAt(size);
    await assertFits(page, 'first load');
    const canvas = await page.locator('.canvas').boundingBox();
    const controls = await page.locator('.controls').boundingBox();
    const aside = await page.locator('aside.side-panel').boundingBox();
    assert.ok(canvas.y < controls.y && canvas.y < aside.y, `canvas first: ${JSON.stringify({ canvas, controls, aside })}`);
    assert.ok(canvas.width >= size.width - 40, `the canvas takes the width: ${canvas.width}`);
    assert.ok(canvas.y + canvas.height <= size.height, 'the whole canvas shows without scrolling');
    await screenshot(page, `${size.name}-first-load.png`);

    // A lesson: its text below the canvas and the controls, never under them.
    await page.selectOption('select[aria-label=scenario]', 'async-failover-loses-writes');
    await page.waitForSelector('.lesson');
    await assertFits(page, 'lesson');
    const lesson = await page.locator('.lesson').boundingBox();
    const controlsNow = await page.locator('.controls').boundingBox();
    assert.ok(lesson.y >= controlsNow.y + controlsNow.height, 'the lesson is not under the play controls');
    await page.locator('.lesson').scrollIntoViewIfNeeded();
    await screenshot(page, `${size.name}-lesson.png`);

    // The console of a tapped node.
    await page.evaluate(() => scrollTo(0, 0));
    await page.tap('g.node[data-node=db2] .node-body');
    await page.waitForSelector('.inspector .console input');
    await assertFits(page, 'console');
    await page.locator('.inspector .console').scrollIntoViewIfNeeded();
    await screenshot(page, `${size.name}-console.png`);
    assert.deepEqual(errors, []);
    await context.close();
  });

  test(`${size.name}: the builder is usable, labels above their fields, and fits the screen`, async () => {
    const { page, errors, context } = await openAt(size);
    await page.tap('button.build-button');
    await page.waitForSelector('.builder');
    await assertFits(page, 'builder');
    const overlaps = await page.$$eval('.builder .field', (fields) => fields.flatMap((f) => {
      const control = f.querySelector('input, select');
      const text = document.createRange();
      text.selectNodeContents(f.firstChild);
      const a = text.getBoundingClientRect();
      const b = control.getBoundingClientRect();
      const apart = a.bottom <= b.top + 0.5 || a.right <= b.left + 0.5 || b.right <= a.left + 0.5 || b.bottom <= a.top + 0.5;
      return apart ? [] : [f.textContent.trim()];
    }));
    assert.deepEqual(overlaps, [], 'labels over their fields');
    await screenshot(page, `${size.name}-builder.png`);
    await page.locator('.builder button.primary-action').scrollIntoViewIfNeeded();
    await page.tap('.builder button.primary-action');
    await page.waitForFunction(() => !document.querySelector('.builder'));
    assert.deepEqual(errors, []);
    await context.close();
  });
}

test('phone: tap selects a node; "select several" gathers taps into a partition', async () => {
  const { page, errors, context } = await openAt(SIZES[0], 'free-play');
  await page.tap('g.node[data-node=db1] .node-body');
  await page.waitForSelector('g.node[data-node=db1].selected');
  await page.tap('g.node[data-node=db2] .node-body');
  await page.waitForSelector('g.node[data-node=db2].selected');
  assert.equal(await page.locator('g.node.selected').count(), 1, 'a plain tap picks one node');
  await page.tap('button.select-several');
  assert.equal(await page.getAttribute('button.select-several', 'aria-pressed'), 'true');
  await page.tap('g.node[data-node=db3] .node-body');
  await page.waitForSelector('.inspector h2:has-text("2 nodes selected")');
  await page.locator('.inspector button:has-text("Partition them")').scrollIntoViewIfNeeded();
  await page.tap('.inspector button:has-text("Partition them")');
  await page.waitForSelector('.cut-mark');
  await page.evaluate(() => scrollTo(0, 0));
  await screenshot(page, 'phone-partition.png');
  await page.tap('button.select-several');
  assert.equal(await page.getAttribute('button.select-several', 'aria-pressed'), 'false');
  assert.deepEqual(errors, []);
  await context.close();
});

const clock = (page) => page.evaluate(() => parseFloat(document.querySelector('.clock').textContent));

/** Presses Tab until the focused element matches `selector` (at most `max` times). */
async function tabTo(page, selector, max = 60) {
  for (let i = 0; i < max; i += 1) {
    await page.keyboard.press('Tab');
    if (await page.evaluate((s) => document.activeElement?.matches(s), selector)) return;
  }
  throw new Error(`Tab never reached ${selector}`);
}

test('keyboard only: Tab to a node, Enter selects it, c crashes it; a link with Enter, x cuts it', async () => {
  const { page, errors, context } = await openPreset(env, 'free-play');
  await page.focus('select[aria-label=scenario]');
  await tabTo(page, 'g.node[data-node=db2]');
  // A screen reader names the node by its title: name, role, health, position.
  assert.match(await page.evaluate(() => document.activeElement.querySelector(':scope > title')?.textContent), /^db2 — replica/);
  const t0 = await clock(page);
  await page.keyboard.press('Enter');
  await page.waitForSelector('g.node[data-node=db2].selected');
  await page.waitForSelector('.inspector h2:has-text("db2")');
  await page.keyboard.press('c');
  await page.waitForSelector('g.node[data-node=db2].crashed');
  // Space on a focused node selects it; it does not also play.
  await page.focus('g.node[data-node=db3]');
  await page.keyboard.press('Space');
  await page.waitForSelector('g.node[data-node=db3].selected');
  assert.match(await page.textContent('button.play'), /Play/);
  await screenshot(page, 'keyboard-node.png');
  await tabTo(page, 'g.channel-group[aria-label*="db3"]');
  await page.keyboard.press('Enter');
  await page.waitForSelector('.channel.selected');
  await page.keyboard.press('x');
  await page.waitForSelector('.cut-mark');
  assert.ok((await clock(page)) >= t0);
  assert.deepEqual(errors, []);
  await context.close();
});

test('keyboard: Space, → and ← work after the scenario list and the speed slider; a timeline mark takes Enter', async () => {
  const { page, errors, context } = await openPreset(env, 'free-play');
  await page.focus('select[aria-label=scenario]');
  await page.keyboard.press('Space');
  await page.waitForFunction(() => document.querySelector('button.play').textContent.includes('Pause'));
  assert.equal(await page.$eval('select[aria-label=scenario]', (s) => s.value), 'free-play', 'the list did not move');
  await page.keyboard.press('Space');
  await page.waitForFunction(() => document.querySelector('button.play').textContent.includes('Play'));
  await setRange(page, 'speed', 60);
  await page.focus('input[aria-label=speed]');
  await page.keyboard.press('Space');
  await page.waitForFunction(() => document.querySelector('button.play').textContent.includes('Pause'));
  await page.keyboard.press('Space');
  await page.waitForFunction(() => document.querySelector('button.play').textContent.includes('Play'));
  // → then ← from the scenario list: one event forward and back.
  await page.focus('select[aria-label=scenario]');
  const before = await page.textContent('.clock');
  // Events come microseconds apart: step until the clock's hundredths move, then as many
  // steps back return to where it was (each ← undoes at least one event).
  let steps = 0;
  while (steps < 400 && (await page.textContent('.clock')) === before) {
    await page.keyboard.press('ArrowRight');
    steps += 1;
  }
  assert.ok((await clock(page)) > parseFloat(before), '→ stepped forward');
  for (let i = 0; i < steps; i += 1) await page.keyboard.press('ArrowLeft');
  await page.waitForFunction((b) => parseFloat(document.querySelector('.clock').textContent) <= parseFloat(b), before);
  assert.equal(await page.$eval('select[aria-label=scenario]', (s) => s.value), 'free-play');
  // A fault far in the run, then its mark on the timeline, reached with Tab and Enter.
  await page.click('g.node[data-node=db1] .node-body');
  await page.keyboard.press('c');
  await page.waitForSelector('.marker.fault');
  const crashedAt = await clock(page);
  await page.click('button.fast-forward');
  await page.waitForFunction((t) => parseFloat(document.querySelector('.clock').textContent) >= t + 10, crashedAt, { timeout: 90000 });
  await page.focus('.marker.fault');
  await page.keyboard.press('Enter');
  await page.waitForFunction((t) => parseFloat(document.querySelector('.clock').textContent) <= t + 0.01, crashedAt, { timeout: 60000 });
  assert.deepEqual(errors, []);
  await context.close();
});

for (const [name, opener, dialog] of [
  ['Help', 'button.help-button', '.help-overlay[aria-label=Help]'],
  ['Share', 'button.share-button', '.help-overlay[aria-label="Share this run"]'],
  ['Build', 'button.build-button', '.help-overlay[aria-label="Build a cluster"]'],
]) {
  test(`keyboard: ${name} takes focus when it opens, Esc closes it, focus goes back to its button`, async () => {
    const { page, errors, context } = await newPage(env.browser);
    await page.goto(env.server.url);
    await page.waitForSelector('svg .node');
    await page.focus(opener);
    await page.keyboard.press('Enter');
    await page.waitForSelector(dialog);
    await page.waitForFunction((d) => document.querySelector(d)?.contains(document.activeElement), dialog);
    await screenshot(page, `dialog-${name.toLowerCase()}.png`);
    await page.keyboard.press('Escape');
    await page.waitForFunction((d) => !document.querySelector(d), dialog);
    await page.waitForFunction((o) => document.activeElement === document.querySelector(o), opener);
    assert.deepEqual(errors, []);
    await context.close();
  });
}

test('keyboard: Esc in a builder field closes the builder; Esc widens nothing in a console but leaves it', async () => {
  const { page, errors, context } = await newPage(env.browser);
  await page.goto(env.server.url);
  await page.waitForSelector('svg .node');
  await page.click('button.build-button');
  await page.focus('.builder input');
  await page.keyboard.press('Escape');
  await page.waitForFunction(() => !document.querySelector('.builder'));
  await page.click('g.node[data-node=db2] .node-body');
  await page.click('button.console-widen');
  await page.waitForSelector('.app.console-wide');
  await page.focus('.console input');
  await page.keyboard.press('Escape');
  assert.equal(await page.locator('.inspector .console').count(), 1, 'the first Esc only leaves the console');
  await page.keyboard.press('Escape');
  await page.waitForFunction(() => !document.querySelector('.app.console-wide'));
  assert.equal(await page.locator('.inspector .console').count(), 1, 'the widened console narrows, the node stays selected');
  assert.deepEqual(errors, []);
  await context.close();
});

test('builder: a refused value stays in its field with the reason beside it; irrelevant fields are disabled', async () => {
  const { page, errors, context } = await newPage(env.browser);
  await page.goto(env.server.url);
  await page.waitForSelector('svg .node');
  await page.click('button.build-button');
  const replicas = page.locator('.builder label.field:has-text("replicas") input');
  await replicas.fill('99');
  await replicas.dispatchEvent('change');
  await page.waitForSelector('.builder .field.invalid .field-error');
  assert.match(await page.textContent('.builder .field.invalid .field-error'), /between 0 and 31/);
  assert.equal(await replicas.inputValue(), '99', 'the field keeps what was typed');
  assert.equal(await page.locator('.notice').count(), 0, 'no error behind the dialog');
  assert.equal(await replicas.getAttribute('aria-invalid'), 'true');
  const waitPoint = page.locator('.builder label.field:has-text("wait point") select');
  assert.ok(await waitPoint.isDisabled(), 'semi-sync options are off while semi-sync is off');
  assert.ok(await page.locator('.builder label.field:has-text("shards") select').first().isDisabled());
  await page.selectOption('.builder label.field:has-text("semi-sync") select >> nth=0', 'true');
  await page.waitForFunction(() => !document.querySelector('.builder label.field:nth-child(6) select').disabled);
  await page.click('.builder button.primary-action');
  await page.waitForSelector('.builder p.field-error');
  await screenshot(page, 'builder-error.png');
  await replicas.fill('4');
  await replicas.dispatchEvent('change');
  await page.waitForFunction(() => !document.querySelector('.builder .field.invalid'));
  await page.click('.builder button.primary-action');
  await page.waitForFunction(() => !document.querySelector('.builder'));
  assert.equal(await page.locator('svg .node').count(), 5);
  assert.deepEqual(errors, []);
  await context.close();
});

test('side panel: findings grouped by kind, most severe first, counted in words; table values unbroken; the inspector scrolls into view', async () => {
  const { page, errors, context } = await openPreset(env, 'async-failover-loses-writes');
  await page.click('button.fast-forward');
  await page.waitForFunction(() => document.querySelector('.finding-group.stale_read') && parseFloat(document.querySelector('.clock').textContent) >= 25, null, { timeout: 90000 });
  const groups = await page.$$eval('.finding-group', (gs) => gs.map((g) => ({ kind: g.classList[1], count: g.querySelector('summary').textContent, open: g.open })));
  assert.equal(groups[0].kind, 'lost_write', `most severe first: ${JSON.stringify(groups)}`);
  assert.ok(groups[0].open, 'the most severe group is open');
  assert.match(groups[0].count, /^\d{1,3}(,\d{3})* lost writes?$/);
  assert.ok(groups.findIndex((g) => g.kind === 'stale_read') > 0, 'stale reads come after the lost writes');
  for (const g of groups) assert.doesNotMatch(g.count, /_/, 'words, not identifiers');
  await page.locator('.findings').scrollIntoViewIfNeeded();
  await screenshot(page, 'findings-grouped.png');

  // A finding reached by keyboard: focus its row, Enter goes to its moment.
  const shownAt = await page.$eval('.finding-group.lost_write .finding-go .t', (t) => parseFloat(t.textContent));
  await page.focus('.finding-group.lost_write .finding-go');
  await page.keyboard.press('Enter');
  await page.waitForFunction((t) => Math.abs(parseFloat(document.querySelector('.clock').textContent) - t) < 0.011, shownAt, { timeout: 60000 });

  // Select a node: its inspector scrolls into view below the lesson, and the binlog
  // position reads on one line.
  await page.click('g.node[data-node=db1] .node-body');
  await page.waitForSelector('.inspector h2:has-text("db1")');
  await page.waitForFunction(() => {
    const panel = document.querySelector('aside.side-panel').getBoundingClientRect();
    const top = document.querySelector('aside .inspector').getBoundingClientRect().top;
    return top >= panel.top - 1 && top < panel.top + panel.height / 2;
  });
  const lines = await page.$$eval('aside table.kv td', (tds) => tds.flatMap((td) => {
    const m = /binlog\.\d{6}:\d+/.exec(td.textContent);
    if (!m) return [];
    const range = document.createRange();
    const text = td.firstChild;
    range.setStart(text, m.index);
    range.setEnd(text, m.index + m[0].length);
    const tops = new Set([...range.getClientRects()].map((r) => Math.round(r.top)));
    return [{ text: m[0], lines: tops.size }];
  }));
  assert.ok(lines.length > 0, 'a binlog position is shown');
  for (const l of lines) assert.equal(l.lines, 1, `${l.text} breaks across lines`);
  await screenshot(page, 'inspector-revealed.png');
  assert.deepEqual(errors, []);
  await context.close();
});

test('side panel: a split brain is said once', async () => {
  const { page, errors, context } = await openPreset(env, 'partition-split-brain');
  for (let i = 0; i < 2; i += 1) await page.click('button.fast-forward');
  await page.waitForSelector('.finding-group.split_brain', { timeout: 90000 });
  await page.click('.finding-group.split_brain summary');
  const text = await page.textContent('.finding-group.split_brain');
  assert.match(text, /^1 split brain/);
  assert.doesNotMatch(text, /split brain.*split brain/i);
  assert.deepEqual(errors, []);
  await context.close();
});

// The README's two pictures (docs/img/projector.png, docs/img/phone.png are copies of these).
test('README views: a lesson after its failover on a projector, and on a phone', async () => {
  for (const size of [{ name: 'projector', width: 1280, height: 720, mobile: false }, { name: 'phone', width: 390, height: 844, mobile: true }]) {
    const context = await env.browser.newContext({ viewport: { width: size.width, height: size.height }, isMobile: size.mobile, hasTouch: size.mobile });
    const page = await context.newPage();
    await showPreset(page, env.server.url, 'async-failover-loses-writes');
    await page.evaluate(() => {
      const input = document.querySelector('input[aria-label=timeline]');
      input.max = '12000';
      input.value = '12000';
      input.dispatchEvent(new Event('input', { bubbles: true }));
    });
    await page.waitForFunction(() => parseFloat(document.querySelector('.clock').textContent) >= 12, null, { timeout: 60000 });
    await page.evaluate(() => scrollTo(0, 0));
    await screenshot(page, `readme-${size.name}.png`);
    await context.close();
  }
});
