// Plays the one-hour soak scenario (benches/scenarios/memory-hour-9-nodes.json) in a page and
// samples the tab's wasm memory against the simulated clock: shared by memory.test.mjs and
// benches/memory-curve.mjs.
import fs from 'node:fs';
import path from 'node:path';
import { setRange } from './harness.mjs';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../..');
export const SOAK = fs.readFileSync(path.join(root, 'benches/scenarios/memory-hour-9-nodes.json'), 'utf8');
export const SOAK_END_S = JSON.parse(SOAK).run_ms / 1000;

/** The speed slider's position for a speed (0…100 ↦ 0.1× … 1000×, logarithmic). */
export const sliderFor = (speed) => ((Math.log10(speed) + 1) / 4) * 100;

/** One sample: the simulated clock, the wasm memory in MB (10^6 bytes), the overlay. */
const sample = () => ({
  simulated_s: parseFloat(document.querySelector('.clock').textContent),
  memory_mb: window.__wasmMemory.buffer.byteLength / 1e6,
  overlay: document.getElementById('panic-overlay') !== null,
});

/**
 * Opens `url`, loads the soak scenario, plays it at `speed` until the simulated clock reaches
 * its end (or an overlay appears, or the clock stops moving for `stallS` wall seconds), and
 * returns the samples taken every `everyS` wall seconds. `onSample` sees each as it comes.
 */
export async function playSoak(page, url, speed, onSample, { everyS = 2, stallS = 60 } = {}) {
  // The wasm instance's exports, memory included, come with trunk's start-up event.
  await page.addInitScript(() =>
    addEventListener('TrunkApplicationStarted', (e) => {
      window.__wasmMemory = e.detail.wasm.memory;
    }),
  );
  await page.goto(url);
  await page.waitForSelector('svg .node', { timeout: 20000 });
  assert(await page.evaluate((json) => window.wasmBindings.playground_load(json), SOAK));
  await page.waitForFunction(() => document.querySelectorAll('svg .node').length === 9);
  await setRange(page, 'speed', sliderFor(speed));
  await page.click('button.play');
  const curve = [];
  let moved = Date.now();
  for (;;) {
    await page.waitForTimeout(everyS * 1000);
    const s = await page.evaluate(sample);
    if (curve.length === 0 || s.simulated_s > curve.at(-1).simulated_s) moved = Date.now();
    curve.push(s);
    onSample?.(s);
    if (s.overlay || s.simulated_s >= SOAK_END_S || Date.now() - moved > stallS * 1000) break;
  }
  return curve;
}

function assert(ok) {
  if (!ok) throw new Error('the page did not take the soak scenario');
}
