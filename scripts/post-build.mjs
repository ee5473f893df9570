// Trunk post-build hook (Trunk.toml): finishes the page in Trunk's staging folder.
//  1. The Content-Security-Policy allows inline scripts only by their sha256 hash. Trunk
//     writes its own inline loader (<script type="module">) into the page, whose text
//     depends on the build (hashed file names), so the hashes of every inline script are
//     computed here from the built page and put in place of CSP-SCRIPT-HASHES.
//  2. The service worker gets the list of every file of the bundle (to cache on install)
//     and a version: the hash of all of them, so each build has its own cache.
// Node only (no packages): scripts/tools.sh already requires node for wasm-opt.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

const dir = process.env.TRUNK_STAGING_DIR || process.argv[2];
if (!dir) {
  console.error('post-build: TRUNK_STAGING_DIR is not set (run by Trunk) and no folder given');
  process.exit(2);
}
const sha256 = (data) => crypto.createHash('sha256').update(data).digest('base64');

/** The text of every inline <script> (no src attribute), exactly as the browser hashes it. */
export function inlineScripts(html) {
  const scripts = [];
  for (const m of html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/gi)) {
    if (!/\bsrc\s*=/.test(m[1])) scripts.push(m[2]);
  }
  return scripts;
}

function files(root, sub = '') {
  return fs.readdirSync(path.join(root, sub), { withFileTypes: true }).flatMap((e) => {
    const rel = sub ? `${sub}/${e.name}` : e.name;
    return e.isDirectory() ? files(root, rel) : [rel];
  });
}

const indexFile = path.join(dir, 'index.html');
let html = fs.readFileSync(indexFile, 'utf8');
if (!html.includes('CSP-SCRIPT-HASHES')) {
  console.error('post-build: index.html has no CSP-SCRIPT-HASHES placeholder');
  process.exit(1);
}
const hashes = inlineScripts(html).map((s) => `'sha256-${sha256(s)}'`);
html = html.replace('CSP-SCRIPT-HASHES', hashes.join(' '));
fs.writeFileSync(indexFile, html);

const assets = files(dir).filter((f) => f !== 'sw.js').sort();
const version = crypto.createHash('sha256');
for (const f of assets) version.update(f).update(fs.readFileSync(path.join(dir, f)));
const swFile = path.join(dir, 'sw.js');
const sw = fs
  .readFileSync(swFile, 'utf8')
  // Its comments are for readers of assets/sw.js, not for every visitor's download.
  .replace(/^\s*\/\/.*\n/gm, '')
  .replace('BUILD-VERSION', version.digest('hex').slice(0, 16))
  .replace('/* BUILD-ASSETS */', assets.map((f) => JSON.stringify(`./${f}`)).join(', '));
fs.writeFileSync(swFile, sw);
console.log(`post-build: ${hashes.length} inline script hash(es) in the CSP, ${assets.length} files in the service worker's cache`);
