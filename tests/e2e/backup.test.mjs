// Provisioning a replica from the inspector: add a server, back up the primary, restore
// the backup on the new server — the seed's first steps with buttons.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { useBrowser, newPage, screenshot, setRange } from './harness.mjs';

const env = useBrowser(before, after);

const runTo = (page, s) => page.waitForFunction((s) => parseFloat(document.querySelector('.clock').textContent) >= s, s, { timeout: 60000 });

test('add a server, back up db1, restore the backup on the new server', async () => {
  const { page, errors, context } = await newPage(env.browser);
  await page.goto(env.server.url);
  await page.waitForSelector('svg .node');
  await page.selectOption('select[aria-label=scenario]', 'free-play');
  await page.waitForSelector('svg .node[data-node=db3]');
  await setRange(page, 'speed', 50);
  await page.click('button.play');
  await runTo(page, 2);
  await page.click('g.node[data-node=db1]');
  await page.click('.inspector button:has-text("Back up")');
  await page.waitForSelector('.inspector .dump-header');
  assert.match(await page.textContent('.inspector .dump-header'), /SOURCE_LOG_FILE='binlog\.000001'.*\n?.*GTID_PURGED/s);
  await page.click('.inspector button:has-text("Add server")');
  await page.waitForSelector('svg .node[data-node=db4]');
  await page.click('g.node[data-node=db4]');
  await page.click('.inspector button:has-text("Restore backup-1 here")');
  // Restored: the button is gone (db4's gtid_executed is no longer empty) and it has rows.
  await page.waitForFunction(() => ![...document.querySelectorAll('.inspector button')].some((b) => b.textContent.includes('Restore')));
  const rows = await page.evaluate(() => [...document.querySelectorAll('.inspector tr')].find((r) => r.textContent.includes('rows · checksum')).textContent);
  assert.doesNotMatch(rows, /checksum0 ·/);
  await screenshot(page, 'restored.png');
  assert.deepEqual(errors, []);
  await context.close();
});
