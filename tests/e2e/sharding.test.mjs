// The sharded architecture in the page: a column per shard with its key range, one shard
// failing over on its own, and the router's routing table following it.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { useBrowser, newPage, screenshot, setRange } from './harness.mjs';

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

test('start a rebalance from the panel, watch it copy, switch and complete', async () => {
  const { page, errors, context } = await newPage(env.browser);
  await page.goto(env.server.url);
  await page.waitForSelector('svg .node');
  const scenario = {
    version: 1,
    name: 'Split 80- by hand',
    seed: 4,
    topology: { kind: 'sharded', shards: ['-80', '80-'], targets: ['80-c0', 'c0-'], replicas: 1 },
    defaults: { replica_net_timeout_s: 4, source_connect_retry_s: 1 },
    failover: { instance_poll_ms: 1000 },
    workload: { clients: [{ writes_per_s: 300, reads_per_s: 100, key_space: 20000 }] },
    run_ms: 600000,
  };
  await page.evaluate((json) => window.wasmBindings.playground_load(json), JSON.stringify(scenario));
  await page.waitForSelector('svg g.shard.idle[data-shard="c0-"]');
  await page.click('button.fast-forward');
  await page.waitForFunction(() => document.querySelector('.clock').textContent.startsWith('30.00'), null, { timeout: 60000 });
  await page.click('.reshard button[data-step=create]');
  await page.waitForSelector('.reshard .phases li.current:has-text("copying")');
  // Let it copy for a few simulated seconds at 10×, then look at the progress.
  await setRange(page, 'speed', 50);
  await page.click('button.play');
  await page.waitForFunction(() => /copying [1-9]\d* of ~\d+ rows/.test(document.querySelector('.reshard .streams')?.textContent ?? ''), null, { timeout: 30000 });
  assert.ok(await page.locator('svg line.stream').count() >= 2, 'streams are drawn');
  await screenshot(page, 'reshard-copying.png');
  await page.waitForSelector('.reshard .phases li.current:has-text("running")', { timeout: 60000 });
  await page.waitForSelector('.reshard .vdiff.ok', { timeout: 60000 });
  await page.click('.reshard button[data-step=switch_reads]');
  await page.click('.reshard button[data-step=switch_writes]');
  await page.waitForSelector('.reshard .phases li.current:has-text("writes switched")', { timeout: 60000 });
  await page.click('.reshard button[data-step=complete]');
  await page.waitForSelector('.reshard .phases li.current:has-text("completed")');
  await page.click('button.play');
  assert.match(await page.textContent('.reshard'), /write stalls: \d+\.\d+ s/);
  assert.equal(await page.locator('svg g.shard.idle').count(), 1, 'only the old 80- serves nothing now');
  // Each step the panel's buttons took is the vtctldclient command an operator would type.
  const typed = await page.locator('.reshard ol.statements code').allTextContents();
  const prefix = '$ vtctldclient Reshard --workflow reshard --target-keyspace playground ';
  assert.deepEqual(typed, [
    `${prefix}create --source-shards '80-' --target-shards '80-c0,c0-'`,
    '$ vtctldclient VDiff --workflow reshard --target-keyspace playground create',
    `${prefix}switchtraffic --tablet-types "rdonly,replica"`,
    `${prefix}switchtraffic --tablet-types primary`,
    `${prefix}complete`,
  ]);
  await screenshot(page, 'reshard-completed.png');
  assert.deepEqual(errors, []);
  await context.close();
});
