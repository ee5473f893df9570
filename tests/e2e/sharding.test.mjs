// The sharded architecture in the page: a column per shard with its key range, one shard
// failing over on its own, and the router's routing table following it.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { useBrowser, newPage, screenshot } from './harness.mjs';

const env = useBrowser(before, after);

test('a shard fails over alone and the routing table follows it', async () => {
  const { page, errors, context } = await newPage(env.browser);
  await page.goto(env.server.url);
  await page.waitForSelector('svg .node');
  await page.selectOption('select[aria-label=scenario]', 'shard-failover');
  await page.waitForSelector('svg g.shard[data-shard="80-"]');
  assert.equal(await page.locator('svg g.shard').count(), 2);
  await page.click('button.fast-forward');
  await page.waitForFunction(() => document.querySelector('.clock').textContent.startsWith('30.00'), null, { timeout: 60000 });
  await page.waitForSelector('g.node[data-node=b2].primary');
  await page.waitForSelector('g.node[data-node=a1].primary:not(.crashed)');
  await page.click('g.actor.router');
  const table = await page.textContent('.inspector');
  assert.match(table, /shard -80 writes go to\s*a1/);
  assert.match(table, /shard 80- writes go to\s*b2/);
  // The comparison teachers ask for: what adding a shard would move, three ways.
  assert.match(table, /Adding a shard to these 2/);
  assert.match(table, /range split \(Vitess\)\s*\d+ %/);
  assert.match(await page.textContent('.lesson .verdict'), /Passed/);
  await screenshot(page, 'shard-failover.png');
  assert.deepEqual(errors, []);
  await context.close();
});

test('a hot range makes a hot shard', async () => {
  const { page, errors, context } = await newPage(env.browser);
  await page.goto(env.server.url);
  await page.waitForSelector('svg .node');
  await page.selectOption('select[aria-label=scenario]', 'hot-shard');
  await page.waitForSelector('svg g.shard[data-shard="c0-"]');
  await page.click('button.fast-forward');
  await page.waitForFunction(() => document.querySelector('.lesson .verdict')?.textContent.includes('Passed'), null, { timeout: 60000 });
  const share = await page.textContent('g.shard[data-shard="-40"] .shard-load');
  assert.ok(parseInt(share.match(/(\d+) % of ops/)[1], 10) > 60, share);
  await screenshot(page, 'hot-shard.png');
  assert.deepEqual(errors, []);
  await context.close();
});
