// The resharding benchmark in the browser: the same scenario `cargo bench` runs natively
// (benches/scenarios/reshard-4-shards-100k.json), run headless by the wasm engine through
// the page's `playground_run` export in headless Chromium, timed with performance.now().
// Run with `make bench` (after a release build in dist/).
import fs from 'node:fs';
import path from 'node:path';
import { serve, launch, newPage } from '../tests/e2e/harness.mjs';

const file = path.join(path.dirname(new URL(import.meta.url).pathname), 'scenarios/reshard-4-shards-100k.json');
const json = fs.readFileSync(file, 'utf8');
const server = await serve();
const browser = await launch();
const { page, context } = await newPage(browser);
await page.goto(server.url);
await page.waitForSelector('svg .node');
const best = { wall_ms: Infinity };
for (let i = 0; i < 3; i++) {
  const r = await page.evaluate((text) => {
    const t = performance.now();
    const out = JSON.parse(window.wasmBindings.playground_run(text));
    return { ...out, wall_ms: performance.now() - t };
  }, json);
  if (r.error) throw new Error(r.error);
  if (r.wall_ms < best.wall_ms) Object.assign(best, r);
}
console.log(`resharding in the browser (wasm, best of 3): ${best.simulated_ms / 1000} simulated s (300 s fill + split) in ${(best.wall_ms / 1000).toFixed(2)} s wall, ${best.events} events, workflow ${best.reshard}, trace ${best.trace_hash}`);
await context.close();
await browser.close();
await server.close();
