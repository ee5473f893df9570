// "Export for real servers": a teacher picks a flavor and takes the files that build the
// running cluster on real MySQL or MariaDB servers (docs/export.md). Keyboard: focus moves
// into the dialog, Esc closes it, focus returns to its button in the share dialog.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { useBrowser, newPage, screenshot } from './harness.mjs';

const env = useBrowser(before, after);

async function openExport(page) {
  await page.click('button.share-button');
  await page.click('button.export-real-button');
  await page.waitForSelector('.export-real pre.export-file');
}

const fileText = (page) => page.textContent('.export-real pre.export-file');

test('the export dialog shows each file per flavor, copies and downloads them', async () => {
  const { page, errors, context } = await newPage(env.browser);
  await page.goto(env.server.url);
  await page.waitForSelector('svg .node');
  await page.selectOption('select[aria-label=scenario]', 'semi-sync-after-sync');
  await page.waitForSelector('svg .node[data-node=db3]');
  await openExport(page);
  // Focus moved into the dialog: the flavor selector.
  assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('aria-label')), 'server flavor');
  const tabs = await page.$$eval('.export-tabs [role=tab]', (b) => b.map((x) => x.textContent));
  assert.deepEqual(tabs.slice(0, 4), ['README.txt', 'db1.cnf', 'db2.cnf', 'db3.cnf']);
  assert.ok(tabs.includes('db2.sql') && tabs.includes('orchestrator.conf.json') && tabs.includes('proxysql.sql'), tabs.join());
  assert.match(await fileText(page), /export for MySQL 8\.4/);
  await screenshot(page, 'export-dialog.png');

  await page.click('.export-tabs [role=tab]:text-is("db2.sql")');
  assert.match(await fileText(page), /CHANGE REPLICATION SOURCE TO SOURCE_HOST='127\.0\.0\.1', SOURCE_PORT=3306/);
  await page.click('.export-tabs [role=tab]:text-is("db1.cnf")');
  assert.match(await fileText(page), /rpl_semi_sync_source_enabled = ON/);

  // MariaDB spells it its own way; the tab resets to the README.
  await page.selectOption('.export-real select', 'mariadb-10.11');
  await page.click('.export-tabs [role=tab]:text-is("db2.sql")');
  const maria = await fileText(page);
  assert.match(maria, /CHANGE MASTER TO MASTER_HOST='127\.0\.0\.1', MASTER_PORT=3306/);
  assert.match(maria, /MASTER_USE_GTID=slave_pos/);
  assert.match(maria, /START SLAVE;/);
  await page.click('.export-tabs [role=tab]:text-is("db1.cnf")');
  assert.match(await fileText(page), /rpl_semi_sync_master_enabled = ON/);

  // Download: one file, or all of them as one text with headers.
  const [one] = await Promise.all([page.waitForEvent('download'), page.click('a.download-file')]);
  assert.equal(one.suggestedFilename(), 'db1.cnf');
  const [all] = await Promise.all([page.waitForEvent('download'), page.click('a.download-all')]);
  assert.equal(all.suggestedFilename(), 'playground-export.txt');
  const text = await (await import('node:fs')).promises.readFile(await all.path(), 'utf8');
  assert.match(text, /==> db3\.cnf <==\n# db3: MariaDB 10\.11 option file/);

  // Copy: the clipboard gets the file shown, or the dialog says how to copy by hand.
  await context.grantPermissions(['clipboard-read', 'clipboard-write']);
  await page.click('button.copy-file');
  await page.waitForSelector('button.copy-file:text-is("Copied ✓"), .export-real .hint.error');
  if (await page.$('button.copy-file:text-is("Copied ✓")')) {
    assert.match(await page.evaluate(() => navigator.clipboard.readText()), /gtid_strict_mode = ON/);
  }

  // Esc closes it and gives focus back to its button.
  await page.keyboard.press('Escape');
  await page.waitForSelector('.export-real', { state: 'detached' });
  assert.equal(await page.evaluate(() => document.activeElement?.className), 'export-real-button');
  assert.deepEqual(errors, []);
  await context.close();
});

test('the export dialog reads on a phone', async () => {
  const { page, errors, context } = await newPage(env.browser);
  await page.setViewportSize({ width: 390, height: 844 });
  await page.goto(env.server.url);
  await page.waitForSelector('svg .node');
  await openExport(page);
  await page.click('.export-tabs [role=tab]:text-is("db2.sql")');
  await screenshot(page, 'export-dialog-phone.png');
  const fits = await page.evaluate(() => document.querySelector('.export-real').getBoundingClientRect().right <= window.innerWidth + 1);
  assert.ok(fits, 'the dialog fits the screen');
  await page.click('.export-real button:text-is("Close")');
  await page.waitForSelector('.export-real', { state: 'detached' });
  assert.deepEqual(errors, []);
  await context.close();
});
