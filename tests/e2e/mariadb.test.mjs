// A MariaDB cluster speaks MariaDB in the page (docs/semantics.md §13): the node tooltip
// ends with gtid_current_pos as domain-server_id-seq_no, the inspector shows
// gtid_binlog_pos / gtid_slave_pos / gtid_current_pos and SHOW SLAVE STATUS's own columns,
// and nothing names a MySQL-only thing (gtid_executed, super_read_only, Replica_IO_Running).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { useBrowser, newPage, screenshot, setRange } from './harness.mjs';

const env = useBrowser(before, after);

const runTo = (page, s) => page.waitForFunction((s) => parseFloat(document.querySelector('.clock').textContent) >= s, s, { timeout: 90000 });
const tooltip = (page, node) => page.textContent(`g.node[data-node=${node}] > title`);
const inspector = (page) => page.$eval('.inspector', (i) => i.innerText);
/** The inspector's value of row `name`. */
const rowValue = (page, name) => page.evaluate((name) => {
  const row = [...document.querySelectorAll('.inspector table.kv tr')].find((r) => r.querySelector('th')?.textContent.trim() === name);
  return row?.querySelector('td')?.textContent ?? null;
}, name);

/** No MySQL-only name in the inspector of a MariaDB node. */
function noMysqlWords(text) {
  for (const word of ['gtid_executed', 'super_read_only', 'Replica_IO_Running', 'Retrieved_Gtid_Set', 'SHOW REPLICA STATUS', 'uuid']) {
    assert.ok(!text.includes(word), `${word} in a MariaDB inspector:\n${text}`);
  }
}

async function open(page, scenario, untilS) {
  await page.goto(env.server.url);
  await page.waitForSelector('svg .node');
  await page.selectOption('select[aria-label=scenario]', scenario);
  await page.waitForSelector('svg .node[data-node=db3]');
  await setRange(page, 'speed', 50);
  await page.click('button.play');
  await runTo(page, untilS);
  await page.click('button.play');
}

test('strict mode: the tooltip and inspector show MariaDB positions and SHOW SLAVE STATUS', async () => {
  const { page, errors, context } = await newPage(env.browser);
  await open(page, 'mariadb-strict-mode', 8);
  assert.match(await tooltip(page, 'db1'), /— gtid_current_pos 0-1-\d+$/);
  assert.doesNotMatch(await tooltip(page, 'db1'), /[0-9a-f]{8}-[0-9a-f]{4}/, 'no MySQL uuid:gno set');

  await page.click('g.node[data-node=db2]');
  await page.waitForSelector('.inspector h3:text-is("SHOW SLAVE STATUS")');
  const text = await inspector(page);
  noMysqlWords(text);
  assert.match(text, /server_id 2 · gtid_domain_id 0/);
  assert.match(await rowValue(page, 'gtid_binlog_pos'), /^0-\d-\d+$/);
  assert.match(await rowValue(page, 'gtid_slave_pos'), /^0-1-\d+$/);
  assert.match(await rowValue(page, 'gtid_current_pos'), /^0-\d-\d+$/);
  assert.equal(await rowValue(page, 'gtid_strict_mode'), 'ON');
  assert.equal(await rowValue(page, 'read_only'), 'ON');
  // Strict mode stopped db2's applier at the out-of-order seq_no.
  assert.equal(await rowValue(page, 'Slave_SQL_Running'), 'No');
  assert.equal(await rowValue(page, 'Last_SQL_Errno'), '1950');
  assert.match(await rowValue(page, 'Last_SQL_Error'), /out-of-order sequence number/);
  assert.equal(await rowValue(page, 'Using_Gtid'), 'Slave_Pos');
  assert.match(await rowValue(page, 'Gtid_IO_Pos'), /^0-1-\d+$/);
  assert.equal(await page.getAttribute('.inspector button:text-is("Stop replica")', 'title'), 'STOP SLAVE');
  // The findings say what MariaDB calls it: no "errant GTID".
  assert.doesNotMatch(await page.textContent('.findings'), /errant GTID/);
  await page.locator('.inspector h3:text-is("SHOW SLAVE STATUS")').scrollIntoViewIfNeeded();
  await screenshot(page, 'mariadb-strict-mode.png');
  assert.deepEqual(errors, []);
  await context.close();
});

test('rejoin refused: the old primary shows 1236 from master as SHOW SLAVE STATUS does, on a phone too', async () => {
  const { page, errors, context } = await newPage(env.browser);
  await open(page, 'mariadb-failover-rejoin-refused', 26);
  await page.click('g.node[data-node=db1]');
  await page.waitForSelector('.inspector h3:text-is("SHOW SLAVE STATUS")');
  noMysqlWords(await inspector(page));
  assert.equal(await rowValue(page, 'Using_Gtid'), 'Current_Pos');
  assert.equal(await rowValue(page, 'Slave_IO_Running'), 'No');
  assert.equal(await rowValue(page, 'Last_IO_Errno'), '1236');
  assert.match(await rowValue(page, 'Last_IO_Error'), /^Got fatal error 1236 from master when reading data from binary log: 'Error: connecting slave requested to start from GTID 0-1-\d+/);
  // The new primary continues domain 0 under its own server_id.
  assert.match(await tooltip(page, 'db2'), /gtid_current_pos 0-2-\d+$/);
  await page.locator('.inspector h3:text-is("SHOW SLAVE STATUS")').scrollIntoViewIfNeeded();
  await screenshot(page, 'mariadb-rejoin-refused.png');
  // The Failover panel's ranking note names MariaDB's option.
  const why = page.locator('.panel-section h3:text-matches("^Why ") + p.hint');
  assert.match(await why.textContent(), /only on a tie log_slave_updates, then no extra transactions of its own/);
  const reasons = await page.textContent('table.candidates');
  assert.match(reasons, /log_slave_updates=ON/);
  assert.doesNotMatch(reasons, /log_replica_updates|errant/);
  // The manager's statements on db1 carry the mariadb client's prompt.
  const places = await page.$$eval('.where', (w) => w.map((x) => x.textContent));
  assert.ok(places.some((p) => p.endsWith('MariaDB [(none)]>')) && !places.some((p) => p.endsWith('mysql>')), places.join(' | '));
  await why.scrollIntoViewIfNeeded();
  await screenshot(page, 'mariadb-failover-panel.png');

  await page.setViewportSize({ width: 390, height: 844 });
  await page.locator('.inspector h3:text-is("SHOW SLAVE STATUS")').scrollIntoViewIfNeeded();
  const fits = await page.$eval('.inspector table.kv', (t) => t.getBoundingClientRect().right <= window.innerWidth + 1);
  assert.ok(fits, 'the status table fits a phone');
  await screenshot(page, 'mariadb-rejoin-refused-phone.png');
  assert.deepEqual(errors, []);
  await context.close();
});

test('the builder makes a MariaDB cluster', async () => {
  const { page, errors, context } = await newPage(env.browser);
  await page.goto(env.server.url);
  await page.waitForSelector('svg .node');
  await page.click('button.build-button');
  await page.selectOption('.builder label:has-text("server") select', 'mariadb');
  assert.equal(await page.$eval('.builder label:has-text("wait point") select', (s) => s.value), 'AFTER_COMMIT');
  assert.ok(await page.$('.builder label:has-text("slave_net_timeout (s)")'), 'MariaDB\'s name for the net timeout');
  await screenshot(page, 'mariadb-builder.png');
  await page.click('button:text-is("Start this cluster")');
  await page.waitForSelector('.builder', { state: 'detached' });
  await page.click('g.node[data-node=db1]');
  assert.match(await page.textContent('.inspector .node-state'), /gtid_domain_id 0/);
  assert.ok(await rowValue(page, 'gtid_binlog_pos') !== null);
  assert.deepEqual(errors, []);
  await context.close();
});
