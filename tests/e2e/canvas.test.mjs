// The canvas a class reads from the back row (issue 11): every text at least 14 CSS px at
// 1280×720 with and without presenter mode, browser zoom enlarging the canvas, and large
// clusters drawn without node circles or labels on top of each other.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { useBrowser, newPage, screenshot } from './harness.mjs';

const env = useBrowser(before, after);

/** Every non-empty canvas text's rendered size in CSS px: its font size in the SVG's user
 * units times the SVG's scale on screen. */
const textSizes = (page) => page.evaluate(() => {
  const svg = document.querySelector('svg.topology');
  const scale = svg.getScreenCTM().a;
  return [...svg.querySelectorAll('text')]
    .filter((t) => t.textContent.trim() !== '' && t.getBBox().width > 0)
    .map((t) => ({ text: t.textContent.trim(), px: parseFloat(getComputedStyle(t).fontSize) * scale }));
});

async function presets(page) {
  return page.evaluate(() => [...document.querySelectorAll('select[aria-label=scenario] option')].map((o) => o.value).filter((v) => v));
}

async function open(context) {
  const page = await context.newPage();
  await page.goto(env.server.url);
  await page.waitForSelector('svg .node');
  return page;
}

test('every canvas text is at least 14 CSS px at 1280×720, in both modes, in every preset', async () => {
  const { page, errors, context } = await newPage(env.browser);
  await page.goto(env.server.url);
  await page.waitForSelector('svg .node');
  const small = [];
  let smallest = Infinity;
  for (const mode of ['normal', 'presenter']) {
    if (mode === 'presenter') {
      await page.keyboard.press('p');
      await page.waitForSelector('.app.presenter');
      assert.equal(await page.locator('.side-panel').isVisible(), false, 'presenter mode hides the side panel');
    }
    for (const preset of await presets(page)) {
      await page.selectOption('select[aria-label=scenario]', preset);
      await page.waitForFunction((p) => document.querySelector('select[aria-label=scenario]').value === p, preset);
      await page.waitForSelector('svg .node');
      for (const { text, px } of await textSizes(page)) {
        smallest = Math.min(smallest, px);
        if (px < 14) small.push(`${mode} ${preset}: "${text}" ${px.toFixed(1)} px`);
      }
    }
    await page.selectOption('select[aria-label=scenario]', 'partition-split-brain');
    await page.waitForSelector('svg .node');
    await screenshot(page, `canvas-${mode}.png`);
  }
  console.log(`smallest canvas text at 1280×720: ${smallest.toFixed(1)} CSS px`);
  assert.deepEqual(small, []);
  // The button says what it does and gives the panel back.
  await page.click('button.presenter-button');
  await page.waitForSelector('.app:not(.presenter)');
  assert.equal(await page.locator('.side-panel').isVisible(), true);
  assert.deepEqual(errors, []);
  await context.close();
});

test('browser zoom enlarges the canvas instead of shrinking it', async () => {
  const measure = async (viewport, zoom) => {
    // Zoom in a browser: fewer CSS px in the window, each drawn with more device px.
    const context = await env.browser.newContext({ viewport, deviceScaleFactor: zoom });
    const page = await open(context);
    const r = await page.evaluate(() => {
      const svg = document.querySelector('svg.topology');
      const doc = document.documentElement;
      return { width: svg.getBoundingClientRect().width, scale: svg.getScreenCTM().a, sideways: doc.scrollWidth - doc.clientWidth };
    });
    assert.equal(r.sideways, 0, `at ${zoom * 100} % the page scrolls sideways`);
    await screenshot(page, `canvas-zoom-${Math.round(zoom * 100)}.png`);
    await context.close();
    return { width: r.width * zoom, text: r.scale * zoom };
  };
  const plain = await measure({ width: 1280, height: 720 }, 1);
  for (const zoom of [1.25, 1.5, 2]) {
    const zoomed = await measure({ width: Math.round(1280 / zoom), height: Math.round(720 / zoom) }, zoom);
    console.log(`zoom ${zoom}: canvas ${zoomed.width.toFixed(0)} device px wide (100 %: ${plain.width.toFixed(0)}), text scale ${zoomed.text.toFixed(2)} (100 %: ${plain.text.toFixed(2)})`);
    assert.ok(zoomed.text > plain.text, `at ${zoom * 100} % the canvas text is ${zoomed.text} device px per unit, at 100 % ${plain.text}`);
  }
});

const RANGES8 = ['-20', '20-40', '40-60', '60-80', '80-a0', 'a0-c0', 'c0-e0', 'e0-'];

function cluster(name, topology) {
  return JSON.stringify({
    version: 1,
    name,
    seed: 1,
    topology,
    network: { latency_us: 20000, jitter_us: 5000 },
    workload: { clients: [{ writes_per_s: 50, reads_per_s: 50, key_space: 1000 }] },
    run_ms: 600000,
  });
}

/** Pairs of node circles that overlap, and pairs of canvas texts whose boxes overlap or
 * that sit on another node's circle, measured on screen (CSS px). */
const overlaps = (page) => page.evaluate(() => {
  const box = (e) => e.getBoundingClientRect();
  const nodes = [...document.querySelectorAll('svg.topology g.node')].map((g) => {
    const b = box(g.querySelector('.node-body'));
    return { name: g.dataset.node, x: b.x + b.width / 2, y: b.y + b.height / 2, r: b.width / 2 };
  });
  const texts = [...document.querySelectorAll('svg.topology text')]
    .filter((t) => t.textContent.trim() !== '')
    .map((t) => ({ text: t.textContent.trim(), owner: t.closest('g.node')?.dataset.node, b: box(t) }));
  const found = [];
  nodes.forEach((a, i) => nodes.slice(i + 1).forEach((b) => {
    if (Math.hypot(a.x - b.x, a.y - b.y) < a.r + b.r) found.push(`circles ${a.name} and ${b.name}`);
  }));
  const slack = 0.5; // sub-pixel rounding of glyph boxes
  const hit = (p, q) => p.x + slack < q.x + q.width && q.x + slack < p.x + p.width && p.y + slack < q.y + q.height && q.y + slack < p.y + p.height;
  texts.forEach((a, i) => texts.slice(i + 1).forEach((b) => {
    if (hit(a.b, b.b)) found.push(`texts "${a.text}" and "${b.text}"`);
  }));
  for (const t of texts) {
    for (const n of nodes) {
      if (n.name === t.owner) continue;
      const cx = Math.max(t.b.x, Math.min(n.x, t.b.x + t.b.width));
      const cy = Math.max(t.b.y, Math.min(n.y, t.b.y + t.b.height));
      if (Math.hypot(cx - n.x, cy - n.y) < n.r - slack) found.push(`text "${t.text}" on ${n.name}`);
    }
  }
  return { nodes: nodes.length, found };
});

for (const [file, name, topology, count] of [
  ['large-64', '1 primary + 63 replicas', { kind: 'primary_replicas', replicas: 63 }, 64],
  ['large-32', '1 primary + 31 replicas', { kind: 'primary_replicas', replicas: 31 }, 32],
  ['large-8x3', '8 shards × 3', { kind: 'sharded', shards: RANGES8, replicas: 2 }, 24],
  ['large-8x8', '8 shards × 8', { kind: 'sharded', shards: RANGES8, replicas: 7 }, 64],
]) {
  test(`${name}: no node circles or labels on top of each other at 1280×720`, async () => {
    const { page, errors, context } = await newPage(env.browser);
    await page.goto(env.server.url);
    await page.waitForSelector('svg .node');
    assert.equal(await page.evaluate((json) => window.wasmBindings.playground_load(json), cluster(name, topology)), true);
    await page.waitForFunction((n) => document.querySelectorAll('svg g.node').length === n, count);
    // The first frame, and a moment later with messages and lag on the canvas.
    const first = await overlaps(page);
    await page.click('button.fast-forward');
    await page.waitForFunction(() => parseFloat(document.querySelector('.clock').textContent) >= 30, null, { timeout: 60000 });
    const later = await overlaps(page);
    await screenshot(page, `canvas-${file}.png`);
    assert.equal(first.nodes, count);
    assert.deepEqual(first.found, []);
    assert.deepEqual(later.found, []);
    for (const { text, px } of await textSizes(page)) assert.ok(px >= 14, `"${text}" ${px.toFixed(1)} px`);
    // One status line for the whole cluster, not a word per shard.
    const status = await page.textContent('svg g.actor.manager .actor-sub');
    assert.ok(!/NoProblem · NoProblem/.test(status), status);
    // The lag chart's legend names a few lines and counts the rest.
    assert.ok((await page.locator('.chart >> nth=0 >> .legend-item').count()) <= 8);
    assert.deepEqual(errors, []);
    await context.close();
  });
}

test('split brain: every cut sits on a drawn line, the sides are shaded, messages stay under labels', async () => {
  const { page, errors, context } = await newPage(env.browser);
  await page.goto(env.server.url);
  await page.waitForSelector('svg .node');
  await page.selectOption('select[aria-label=scenario]', 'partition-split-brain');
  await page.waitForSelector('svg g.node[data-node=db4]');
  // Router and manager links are drawn before anything is cut.
  assert.equal(await page.locator('svg path.wire').count(), 8, 'router and manager to each of 4 nodes');
  await page.click('button.fast-forward');
  await page.waitForFunction(() => parseFloat(document.querySelector('.clock').textContent) >= 30, null, { timeout: 60000 });
  const crosses = await page.evaluate(() => {
    const svg = document.querySelector('svg.topology');
    // Every drawn line in user units: wires (paths; the router–manager one is a curve) and channels.
    const lines = [...svg.querySelectorAll('path.wire, line.channel')];
    const m = svg.getScreenCTM();
    return [...svg.querySelectorAll('g.cut-mark')].map((g) => {
      const r = g.getBoundingClientRect();
      const at = new DOMPoint(r.x + r.width / 2, r.y + r.height / 2).matrixTransform(m.inverse());
      const on = lines.filter((l) => {
        if (l.tagName === 'path') {
          const n = 64, len = l.getTotalLength();
          return Array.from({ length: n + 1 }, (_, i) => l.getPointAtLength((len * i) / n)).some((p) => Math.hypot(p.x - at.x, p.y - at.y) < 3);
        }
        const [x1, y1, x2, y2] = ['x1', 'y1', 'x2', 'y2'].map((a) => parseFloat(l.getAttribute(a)));
        const t = Math.max(0, Math.min(1, ((at.x - x1) * (x2 - x1) + (at.y - y1) * (y2 - y1)) / ((x2 - x1) ** 2 + (y2 - y1) ** 2)));
        return Math.hypot(x1 + t * (x2 - x1) - at.x, y1 + t * (y2 - y1) - at.y) < 3;
      });
      return { link: g.dataset.link, lines: on.length };
    });
  });
  assert.equal(crosses.length, 9, JSON.stringify(crosses));
  for (const c of crosses) assert.ok(c.lines >= 1, `the cross on ${c.link} sits on no drawn line`);
  assert.equal(await page.locator('svg g.partition-side').count(), 2);
  assert.match(await page.textContent('svg g.partition-side.side-0 .side-label'), /db1, db2, router/);
  // Each side's label says what is cut off, its ✕ the crosses' legend.
  assert.equal(await page.textContent('svg g.partition-side.side-0 .side-label'), 'db1, db2, router ✕ cut off');
  assert.equal(await page.textContent('svg g.partition-side.side-1 .side-label'), 'db3, db4, orchestrator ✕ cut off');
  // Messages are drawn before (under) every label.
  const order = await page.evaluate(() => {
    const all = [...document.querySelectorAll('svg.topology *')];
    return { messages: all.indexOf(document.querySelector('svg g.messages')), firstNode: all.indexOf(document.querySelector('svg g.node')), router: all.indexOf(document.querySelector('svg g.actor.router')) };
  });
  assert.ok(order.messages < order.router && order.messages < order.firstNode, JSON.stringify(order));
  const { found } = await overlaps(page);
  assert.deepEqual(found, []);
  await screenshot(page, 'canvas-split-brain.png');
  // Healed: the crosses go with the cuts, the shading with the partition.
  await page.keyboard.press('h');
  await page.waitForFunction(() => document.querySelectorAll('svg g.cut-mark').length === 0);
  assert.equal(await page.locator('svg g.partition-side').count(), 0);
  assert.deepEqual(errors, []);
  await context.close();
});

test('the first frame does not look broken, and a writable pair of primaries gets a warning', async () => {
  const { page, errors, context } = await newPage(env.browser);
  await page.goto(env.server.url);
  await page.waitForSelector('svg .node');
  await page.selectOption('select[aria-label=scenario]', 'free-play');
  await page.waitForSelector('svg g.node[data-node=db3]');
  // At 0 s the receivers are truly Connecting (the label says so), drawn neutral, not orange.
  assert.equal(await page.locator('svg line.channel.connecting').count(), 0);
  assert.equal(await page.locator('svg line.channel.starting').count(), 2);
  assert.match(await page.textContent('g.node[data-node=db2] .node-health'), /connecting/);
  assert.equal(await page.locator('.canvas-warning').count(), 0, 'a healthy cluster has no warning');
  await page.click('button.fast-forward');
  await page.waitForFunction(() => parseFloat(document.querySelector('.clock').textContent) >= 30, null, { timeout: 60000 });
  assert.equal(await page.locator('svg line.channel.ok').count(), 2);
  await page.selectOption('select[aria-label=scenario]', 'dual-primary-conflict');
  await page.waitForSelector('.canvas-warning');
  assert.match(await page.textContent('.canvas-warning'), /2 writable primaries: db1, db2 — .*diverges/);
  await screenshot(page, 'canvas-warning.png');
  assert.deepEqual(errors, []);
  await context.close();
});

test('64 nodes, 4 cut off: each side says it is cut off, no label on another', async () => {
  for (const viewport of [{ width: 1280, height: 720 }, { width: 390, height: 844 }]) {
    const context = await env.browser.newContext({ viewport });
    const page = await context.newPage();
    const errors = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(env.server.url);
    await page.waitForSelector('svg .node');
    assert.equal(await page.evaluate((json) => window.wasmBindings.playground_load(json), cluster('64 nodes', { kind: 'primary_replicas', replicas: 63 })), true);
    await page.waitForFunction(() => document.querySelectorAll('svg g.node').length === 64);
    await page.click('button.select-several');
    for (const n of ['db1', 'db5', 'db9', 'db20']) await page.click(`svg g.node[data-node=${n}] .node-body`);
    await page.click('button:has-text("Partition them from the rest")');
    await page.waitForSelector('svg g.partition-side.side-1');
    const labels = await page.$$eval('svg g.partition-side .side-label', (ts) => ts.map((t) => t.textContent));
    assert.equal(labels.length, 2);
    assert.ok(labels.some((l) => l === 'db1, db5, db9, db20 ✕ cut off'), JSON.stringify(labels));
    assert.ok(labels.some((l) => l === '62 here ✕ cut off from the other 4'), JSON.stringify(labels));
    // Every cut link carries its cross, and no label sits on another label or a node.
    assert.equal(await page.locator('svg g.cut-mark').count(), 4 * 62);
    const { found } = await overlaps(page);
    assert.deepEqual(found, []);
    await screenshot(page, `canvas-partition-64-${viewport.width}.png`);
    assert.deepEqual(errors, []);
    await context.close();
  }
});

test('presenter mode fills the screen at 1280×720: the drawing at full scale', async () => {
  const { page, errors, context } = await newPage(env.browser);
  await page.goto(env.server.url);
  await page.waitForSelector('svg .node');
  const scale = () => page.evaluate(() => document.querySelector('svg.topology').getScreenCTM().a);
  const normal = await scale();
  await page.keyboard.press('p');
  await page.waitForSelector('.app.presenter');
  await page.waitForFunction(() => document.querySelector('.app-header').getBoundingClientRect().bottom <= 6);
  const presenter = await scale();
  console.log(`canvas scale at 1280×720: ${normal.toFixed(2)} normal, ${presenter.toFixed(2)} presenter`);
  assert.ok(presenter >= 1, `presenter mode draws the canvas at ${presenter.toFixed(2)}`);
  // The header comes back with focus in it, and the scenario list still works.
  await page.focus('select[aria-label=scenario]');
  await page.waitForFunction(() => document.querySelector('.app-header').getBoundingClientRect().top >= 0);
  await screenshot(page, 'presenter-header-focused.png');
  assert.deepEqual(errors, []);
  await context.close();
});
