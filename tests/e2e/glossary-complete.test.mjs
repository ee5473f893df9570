// The glossary is complete: walking the main views (a primary–replica lesson, a
// dual-primary preset, a sharded preset, a failover, a node's inspector, the findings,
// Help), every label the page shows — headings, table row names, canvas labels, chips —
// is either a domain term with a glossary entry (src/ui/glossary.rs SHOWN) or listed
// there as plain words (PLAIN). A new label that is neither fails here, by name.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { useBrowser, newPage, screenshot } from './harness.mjs';

const env = useBrowser(before, after);
const root = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const source = fs.readFileSync(path.join(root, 'src', 'ui', 'glossary.rs'), 'utf8');

/** The `("shown", "key")` pairs of SHOWN and the strings of PLAIN, read from glossary.rs. */
function lists() {
  const block = (name) => source.slice(source.indexOf(`pub const ${name}`), source.indexOf('];', source.indexOf(`pub const ${name}`)));
  const shown = new Map([...block('SHOWN').matchAll(/\("([^"]+)",\s*"([^"]+)"\)/g)].map((m) => [m[1].toLowerCase(), m[2]]));
  const plain = new Set([...block('PLAIN').matchAll(/"([^"]+)"/g)].map((m) => m[1].toLowerCase()));
  const keys = new Set([...source.matchAll(/^\s*t\(\s*"([a-z_]+)",/gm)].map((m) => m[1]));
  return { shown, plain, keys };
}

/** A label as the lists hold it: node names, numbers and times made general. */
const general = (text) => text.trim().replace(/\s+/g, ' ')
  .replace(/\b([a-z]{1,2}|s\d+-db|shard-?)\d+\b/g, 'NODE').replace(/-?\d[\d,.]*( s\b| ms\b| KB\b)?/g, 'N').toLowerCase();

/** Every label on the page now: headings, table row names, definition terms, chips and
 * the canvas's own labels (not the values beside them). */
const labels = (page) => page.evaluate(() => {
  const picked = document.querySelectorAll('h2, h3, summary, th, dt, .chip, svg.topology text.node-role, svg.topology text.node-health, svg.topology text.bar-label, svg.topology .router text, svg.topology .manager text');
  return [...picked].filter((e) => e.offsetParent !== null || e instanceof SVGElement)
    .map((e) => ({ text: e.textContent, term: !!e.closest('.term, .glossary-entry') || !!e.querySelector('.term') }));
});

async function open(page, preset) {
  await page.selectOption('select[aria-label=scenario]', preset);
  await page.waitForFunction((p) => document.querySelector('select[aria-label=scenario]').value === p, preset);
  await page.waitForSelector('svg .node');
}

test('every label the page shows is a glossary term or plain words', { timeout: 240000 }, async () => {
  const { shown, plain, keys } = lists();
  assert.ok(shown.size >= 40 && plain.size >= 20 && keys.size >= 25, `${shown.size} ${plain.size} ${keys.size}`);
  for (const [word, key] of shown) assert.ok(keys.has(key), `SHOWN '${word}' names '${key}', which has no entry`);
  const { page, errors, context } = await newPage(env.browser);
  await page.goto(env.server.url);
  await page.waitForSelector('svg .node');
  const seen = new Map();
  const look = async (where) => {
    for (const { text, term } of await labels(page)) {
      const g = general(text);
      if (!g || /^[n\W]*$/.test(g)) continue;
      if (!seen.has(g)) seen.set(g, { where, term, text: text.trim() });
    }
  };
  const views = [
    ['async-failover-loses-writes', ['db2', 'db1']],
    ['dual-primary-conflict', ['db1']],
    ['shard-failover', []],
    ['semi-sync-after-sync', ['db2']],
    ['errant-gtid', []],
  ];
  for (const [preset, inspect] of views) {
    await open(page, preset);
    await look(`${preset} at 0 s`);
    await page.click('button.fast-forward');
    await page.waitForFunction(() => !document.querySelector('.progress') && parseFloat(document.querySelector('.clock').textContent) >= 29, null, { timeout: 60000 });
    await look(`${preset} after 30 s`);
    for (const node of inspect) {
      const n = page.locator(`g.node[data-node=${node}]`).first();
      if (await n.count() === 0) continue;
      await n.focus();
      await page.keyboard.press('Enter');
      await page.waitForSelector('.inspector h2');
      await page.locator('.inspector details').evaluateAll((ds) => ds.forEach((d) => { d.open = true; }));
      await look(`${preset}: inspector of ${node}`);
      await page.keyboard.press('Escape');
    }
    // The router and the manager, when drawn.
    for (const what of ['router', 'manager']) {
      const g = page.locator(`svg.topology g.${what}`).first();
      if (await g.count() === 0) continue;
      await g.click({ force: true });
      await look(`${preset}: ${what} panel`);
      await page.keyboard.press('Escape');
    }
  }
  await page.locator('details').evaluateAll((ds) => ds.forEach((d) => { d.open = true; }));
  await look('side panel, every section open');
  await page.keyboard.press('?');
  await page.waitForSelector('.help-overlay');
  await look('Help');
  await screenshot(page, 'glossary-complete-help.png');
  await page.keyboard.press('Escape');

  // The walk did see the views it names.
  for (const g of ['binlog', 'received', 'seconds_behind_source', 'replica_io_running', 'findings', 'co-primary', 'n lost writes']) {
    assert.ok(seen.has(g), `'${g}' was not seen: ${[...seen.keys()].join(' | ')}`);
  }
  const unknown = [...seen].filter(([g, s]) => !s.term && !shown.has(g) && !plain.has(g));
  assert.deepEqual(unknown.map(([g, s]) => `'${s.text}' (as '${g}', in ${s.where})`), [],
    'labels that are neither a glossary term (SHOWN) nor plain words (PLAIN) in src/ui/glossary.rs');
  // Every domain term shown as a table row name opens its entry from where it is.
  const rows = [...seen].filter(([g, s]) => shown.has(g) && !s.term && /inspector/.test(s.where));
  assert.deepEqual(rows.map(([, s]) => s.text), [], 'inspector rows that are terms but not clickable');
  assert.deepEqual(errors, []);
  await context.close();
});
