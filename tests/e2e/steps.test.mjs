// The statements behind the automated steps, and the binlog as mysqlbinlog -v prints it:
// after the async-failover preset's crash, the failover panel lists what the manager ran on
// the promoted node, and the inspector shows the node's binlog events.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { useBrowser, newPage, screenshot, setRange } from './harness.mjs';

const env = useBrowser(before, after);

async function failedOver(viewport) {
  const { page, errors, context } = await newPage(env.browser);
  await page.setViewportSize(viewport);
  await page.goto(env.server.url);
  await page.waitForSelector('svg .node');
  await page.selectOption('select[aria-label=scenario]', 'async-failover-loses-writes');
  await page.waitForSelector('svg .node[data-node=db3]');
  await setRange(page, 'speed', 50);
  await page.click('button.play');
  // db1 crashes at 8 s; wait until the failover panel lists a finished promotion.
  await page.waitForFunction(() => document.querySelector('section.failover .recovery-statements ol.statements')?.textContent.includes('LOAD MYSQL SERVERS TO RUNTIME'), null, { timeout: 90000 });
  await page.click('button.play'); // pause, so the panel holds still for the screenshots
  return { page, errors, context };
}

/** [where, statement] of each statement of the newest recovery. */
const statements = (page) => page.evaluate(() => [...document.querySelectorAll('section.failover details.recovery-statements[open] ol.statements li')]
  .flatMap((li) => [...li.querySelectorAll('code')].map((c) => [li.dataset.where, c.textContent])));

for (const [label, viewport] of [['1280x720', { width: 1280, height: 720 }], ['390x844', { width: 390, height: 844 }]]) {
  test(`at ${label} the failover panel lists RESET REPLICA ALL on the promoted node, and the binlog reads like mysqlbinlog -v`, async () => {
    const { page, errors, context } = await failedOver(viewport);
    const rows = await statements(page);
    const promoted = await page.evaluate(() => [...document.querySelectorAll('g.node.primary')].find((n) => n.dataset.node !== 'db1')?.dataset.node);
    assert.ok(['db2', 'db3'].includes(promoted), promoted);
    // Orchestrator drains every replica's relay log before choosing (StopReplicationNicely,
    // docs/semantics.md §6.3), then promotes.
    assert.deepEqual(rows.slice(0, 4), [
      ['db2', 'STOP REPLICA IO_THREAD;'],
      ['db2', 'START REPLICA SQL_THREAD;'],
      ['db3', 'STOP REPLICA IO_THREAD;'],
      ['db3', 'START REPLICA SQL_THREAD;'],
    ]);
    assert.deepEqual(rows.slice(4, 8), [
      [promoted, 'STOP REPLICA;'],
      [promoted, 'RESET REPLICA ALL;'],
      [promoted, 'SET GLOBAL super_read_only=OFF;'],
      [promoted, 'SET GLOBAL read_only=OFF;'],
    ]);
    assert.ok(rows.some(([, s]) => s === `CHANGE REPLICATION SOURCE TO SOURCE_HOST='${promoted}', SOURCE_PORT=3306, SOURCE_AUTO_POSITION=1;`), JSON.stringify(rows));
    assert.ok(rows.some(([w, s]) => w === 'ProxySQL Admin' && s === 'LOAD MYSQL SERVERS TO RUNTIME;'), JSON.stringify(rows));
    // Monospace and inside the panel: nothing spills past the side panel's edge.
    const fit = await page.evaluate(() => {
      const list = document.querySelector('section.failover details.recovery-statements[open] ol.statements');
      const code = list.querySelector('code');
      const panel = document.querySelector('section.failover').getBoundingClientRect();
      return { font: getComputedStyle(code).fontFamily, right: list.getBoundingClientRect().right, panel: panel.right };
    });
    assert.match(fit.font, /monospace/);
    assert.ok(fit.right <= fit.panel + 1, JSON.stringify(fit));
    await page.locator('section.failover details.recovery-statements[open]').scrollIntoViewIfNeeded();
    await screenshot(page, `failover-statements-${label}.png`);

    await page.click(`g.node[data-node=${promoted}]`);
    const pre = page.locator('.inspector pre.binlog-events');
    await pre.waitFor();
    const text = await pre.textContent();
    assert.match(text, /^# at \d+$/m);
    assert.match(text, /^#\d{6} [ \d]\d:\d\d:\d\d server id \d+  end_log_pos \d+ \tGTID/m);
    assert.match(text, /^SET @@SESSION\.GTID_NEXT= '[0-9a-f-]{36}:\d+'\/\*!\*\/;$/m);
    assert.match(text, /^### (INSERT INTO|UPDATE|DELETE FROM) `playground`\.`kv`$/m);
    assert.match(text, /^###   @1=\d+$/m);
    assert.match(text, /^COMMIT\/\*!\*\/;$/m);
    assert.doesNotMatch(text, /CRC32/);
    await pre.scrollIntoViewIfNeeded();
    await screenshot(page, `binlog-mysqlbinlog-${label}.png`);
    assert.deepEqual(errors, []);
    await context.close();
  });
}
