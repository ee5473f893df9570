// The glossary: a term opens from the canvas, from a panel, and Help lists every entry.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { useBrowser, newPage, screenshot } from './harness.mjs';

const env = useBrowser(before, after);

test('a glossary term opens from the canvas and from a panel, and Help lists them', async () => {
  const { page, errors, context } = await newPage(env.browser);
  await page.goto(env.server.url);
  await page.waitForSelector('svg .node');
  await page.selectOption('select[aria-label=scenario]', 'free-play');
  await page.waitForSelector('svg .node[data-node=db3]');

  // The canvas: the "received" label under a replica.
  await page.click('g.node[data-node=db2] g.term[data-term=relay_log]');
  await page.waitForSelector('.glossary-popup');
  assert.match(await page.textContent('.glossary-popup'), /relay log.*Retrieved_Gtid_Set/s);
  assert.equal(await page.locator('.inspector h2').count(), 0, 'the node was not selected by it');
  await screenshot(page, 'glossary-canvas.png');
  await page.click('.glossary-popup button.close');
  await page.waitForSelector('.glossary-popup', { state: 'detached' });

  // A panel: the inspector's rows.
  await page.focus('g.node[data-node=db2]'); // a message dot sits on its centre at 0 s
  await page.keyboard.press('Enter');
  await page.click('.inspector button.term[data-term=io_thread]');
  await page.waitForSelector('.glossary-popup');
  assert.match(await page.textContent('.glossary-popup'), /receiver.*Replica_IO_Running/s);
  assert.match(await page.getAttribute('.inspector button.term[data-term=lag]', 'title'), /Seconds_Behind_Source|behind its source/);
  await page.click('.glossary-popup button.close');
  // A plain row whose name is a term (glossary SHOWN): the same, through the panel's listener.
  await page.click('.inspector th button.term[data-term=binlog_position]');
  await page.waitForSelector('.glossary-popup');
  assert.match(await page.textContent('.glossary-popup'), /binlog position.*Exec_Source_Log_Pos/s);
  await screenshot(page, 'glossary-panel.png');
  await page.setViewportSize({ width: 390, height: 844 });
  await screenshot(page, 'glossary-phone.png');
  await page.setViewportSize({ width: 1280, height: 720 });
  await page.click('.glossary-popup button.close');

  // Help: every entry.
  await page.keyboard.press('?');
  await page.click('.help-overlay details.glossary summary');
  const entries = await page.locator('.help-overlay .glossary-entry').count();
  assert.ok(entries >= 20, `${entries} entries`);
  await page.locator('.help-overlay .glossary-entry[data-term=errant_gtid]').scrollIntoViewIfNeeded();
  await screenshot(page, 'glossary-help.png');
  assert.deepEqual(errors, []);
  await context.close();
});
