// The app as a person sees it: load the release bundle, check the layout, look at it.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { useBrowser, newPage, screenshot } from './harness.mjs';

const env = useBrowser(before, after);

test('the app renders its layout from the wasm engine, with no console errors', async () => {
  const { page, errors, context } = await newPage(env.browser);
  await page.goto(env.server.url);
  await page.waitForSelector('svg.topology .node', { timeout: 20000 });
  assert.equal(await page.textContent('header h1'), 'Replication Playground');
  assert.equal(await page.locator('svg.topology .node').count(), 3);
  assert.equal(await page.locator('svg.topology .node.primary').count(), 1);
  const aside = await page.textContent('aside.side-panel');
  for (const s of ['Inspector', 'Failover', 'Findings']) assert.ok(aside.includes(s), s);
  assert.match(await page.textContent('footer'), /v\d+\.\d+\.\d+/);
  const box = await page.locator('svg.topology').boundingBox();
  assert.ok(box.width > 600 && box.height > 400, `canvas is ${box.width}×${box.height}`);
  await screenshot(page, 'app-layout.png');
  assert.deepEqual(errors, []);
  await context.close();
});

test('a panic shows the error overlay with a reload button, never a blank page', async () => {
  const { page, context } = await newPage(env.browser);
  await page.goto(`${env.server.url}#panic-test`);
  await page.waitForSelector('#panic-overlay', { timeout: 20000 });
  const text = await page.textContent('#panic-overlay');
  assert.ok(text.includes('internal error'), text);
  assert.ok(text.includes('#panic-test'), text);
  const reload = page.locator('#panic-overlay button.panic-reload');
  assert.equal(await reload.count(), 1);
  await screenshot(page, 'panic-overlay.png');
  await Promise.all([page.waitForEvent('load'), reload.click()]);
  await context.close();
});
