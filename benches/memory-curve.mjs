// The tab's memory over a class: plays benches/scenarios/memory-hour-9-nodes.json (9 semi-sync
// nodes, 1,000 writes/s) in headless Chromium to the end of its simulated hour and samples the
// wasm memory (the instance's `memory.buffer.byteLength`, which only ever grows) against the
// simulated clock. Run after a release build in dist/:
//   MEMORY_SPEEDS=10,100 node benches/memory-curve.mjs      (default 100; 1 takes an hour)
// Prints the curve and writes target/bench/memory-curve-<speed>x.json.
import fs from 'node:fs';
import path from 'node:path';
import { serve, launch, newPage, setRange, shots } from '../tests/e2e/harness.mjs';
import { playSoak } from '../tests/e2e/soak.mjs';

const speeds = (process.env.MEMORY_SPEEDS || '100').split(',').map(Number);
const out = path.join(path.dirname(shots), 'bench');
fs.mkdirSync(out, { recursive: true });

const server = await serve();
const browser = await launch();
for (const speed of speeds) {
  const { page, errors, context } = await newPage(browser);
  const started = Date.now();
  const curve = await playSoak(page, server.url, speed, (s) => {
    console.log(`${speed}×  ${s.simulated_s.toFixed(0).padStart(5)} s simulated  ${s.memory_mb.toFixed(1).padStart(6)} MB  (${((Date.now() - started) / 1000).toFixed(0)} s wall)`);
  });
  if (errors.length) console.log('page errors:', errors);
  fs.writeFileSync(path.join(out, `memory-curve-${speed}x.json`), JSON.stringify(curve, null, 2));
  const peak = Math.max(...curve.map((s) => s.memory_mb));
  console.log(`${speed}×: peak ${peak.toFixed(1)} MB over ${curve.at(-1).simulated_s.toFixed(0)} simulated s in ${((Date.now() - started) / 1000).toFixed(0)} s`);
  await context.close();
}
await browser.close();
await server.close();
