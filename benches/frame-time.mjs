// Frame-time benchmark over 10 s of playback at 1× and 100×, for clusters of 5, 16, 32 and
// 64 nodes. Run with `make bench` (after a release build in dist/). Prints p50/p95 per case
// and writes target/bench/frame-time.json.
//
// Two figures per case. The frame interval (requestAnimationFrame deltas) is capped by the
// display: at 60 Hz it reads 16.7 ms however little a frame costs, so it only shows frames
// that were missed. The frame work is what each of the page's animation-frame callbacks
// costs: the callback itself (the engine advancing), the Yew render it schedules (run as
// microtasks right after it), then the browser's style, layout and paint, up to the next
// task. That is the time a frame takes out of the budget, whatever the display's rate.
import fs from 'node:fs';
import path from 'node:path';
import { serve, launch, newPage, shots } from '../tests/e2e/harness.mjs';

const SECONDS = Number(process.env.FRAME_SECONDS || 10);

// `nodes` is a count (primary + replicas) or 'sharded': 4 shards with 2 replicas each, two
// more provisioned as resharding targets, and the Reshard workflow copying into them.
function scenario(nodes) {
  if (nodes === 'sharded') {
    return JSON.stringify({
      version: 1,
      name: 'sharded, resharding',
      seed: 1,
      topology: { kind: 'sharded', shards: ['-40', '40-80', '80-c0', 'c0-'], targets: ['c0-e0', 'e0-'], replicas: 2 },
      defaults: { replica_net_timeout_s: 4, source_connect_retry_s: 1 },
      network: { latency_us: 20000, jitter_us: 5000 },
      failover: { instance_poll_ms: 1000 },
      workload: { clients: [{ writes_per_s: 300, reads_per_s: 300, key_space: 100000 }] },
      timeline: [{ at_ms: 1000, action: 'reshard', step: 'create' }],
      run_ms: 3600000,
    });
  }
  return JSON.stringify({
    version: 1,
    name: `${nodes} nodes`,
    seed: 1,
    topology: { kind: 'primary_replicas', replicas: nodes - 1 },
    defaults: { replica_net_timeout_s: 4, source_connect_retry_s: 1 },
    network: { latency_us: 20000, jitter_us: 5000 },
    failover: { instance_poll_ms: 1000 },
    workload: { clients: [{ writes_per_s: 100, reads_per_s: 100, key_space: 1000 }] },
    run_ms: 3600000,
  });
}

// Installed before the page's scripts: every animation-frame callback the page asks for is
// timed from its start to the end of the microtasks it queued (the Yew render), and to the
// next task after the frame is drawn (style, layout, paint: a MessageChannel message runs
// only once the frame's rendering steps are done).
const WRAP_FRAMES = `
  window.frameWork = [];
  window.unwrappedFrame = window.requestAnimationFrame.bind(window);
  window.requestAnimationFrame = (callback) => window.unwrappedFrame((t) => {
    const start = performance.now();
    try {
      callback(t);
    } finally {
      queueMicrotask(() => queueMicrotask(() => {
        const script = performance.now() - start;
        const channel = new MessageChannel();
        channel.port1.onmessage = () => window.frameWork.push({ script, total: performance.now() - start });
        channel.port2.postMessage(0);
      }));
    }
  });
`;

const pct = (xs, p) => {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
};

const server = await serve();
const browser = await launch();
const results = [];
const sizes = process.env.FRAME_NODES
  ? process.env.FRAME_NODES.split(',').map((n) => (n === 'sharded' ? n : Number(n)))
  : [5, 16, 32, 64, 'sharded'];
for (const nodes of sizes) {
  for (const [speed, slider] of [[1, 25], [100, 75]]) {
    const { page, context } = await newPage(browser);
    await page.addInitScript(WRAP_FRAMES);
    await page.goto(server.url);
    await page.waitForSelector('svg .node');
    await page.evaluate((json) => window.wasmBindings.playground_load(json), scenario(nodes));
    await page.waitForFunction((n) => document.querySelectorAll('svg .node').length === (n === 'sharded' ? 18 : n), nodes);
    await page.evaluate((v) => {
      const input = document.querySelector('input[aria-label=speed]');
      input.value = String(v);
      input.dispatchEvent(new Event('input', { bubbles: true }));
    }, slider);
    await page.click('button.play');
    const { deltas, script, work } = await page.evaluate((seconds) => new Promise((resolve) => {
      const d = [];
      const start = performance.now();
      window.frameWork.length = 0;
      let last;
      // The bench's own frames, not counted as the page's work.
      const frame = (t) => {
        if (last !== undefined) d.push(t - last);
        last = t;
        if (performance.now() - start < seconds * 1000) window.unwrappedFrame(frame);
        else resolve({ deltas: d, script: window.frameWork.map((w) => w.script), work: window.frameWork.map((w) => w.total) });
      };
      window.unwrappedFrame(frame);
    }), SECONDS);
    const simulated = await page.evaluate(() => parseFloat(document.querySelector('.clock').textContent));
    const r = {
      nodes,
      speed,
      frames: deltas.length,
      p50_ms: +pct(deltas, 50).toFixed(2),
      p95_ms: +pct(deltas, 95).toFixed(2),
      work_p50_ms: +pct(work, 50).toFixed(2),
      work_p95_ms: +pct(work, 95).toFixed(2),
      script_p50_ms: +pct(script, 50).toFixed(2),
      script_p95_ms: +pct(script, 95).toFixed(2),
      simulated_s: simulated,
    };
    results.push(r);
    const ms = (x) => x.toFixed(1).padStart(5);
    console.log(`${String(nodes).padStart(7)} ${String(speed).padStart(3)}×  frames ${String(r.frames).padStart(4)}  interval p50 ${ms(r.p50_ms)} p95 ${ms(r.p95_ms)}  work p50 ${ms(r.work_p50_ms)} p95 ${ms(r.work_p95_ms)}  (script+render p50 ${ms(r.script_p50_ms)} p95 ${ms(r.script_p95_ms)}) ms  simulated ${simulated.toFixed(1)} s`);
    await context.close();
  }
}
await browser.close();
await server.close();
const out = path.join(path.dirname(shots), 'bench');
fs.mkdirSync(out, { recursive: true });
fs.writeFileSync(path.join(out, 'frame-time.json'), JSON.stringify(results, null, 2));
