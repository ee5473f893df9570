// The playground's service worker: after one visit the page works offline.
// On install it caches the whole bundle (the app shell and every asset, listed below by
// scripts/post-build.mjs at build time); every request is then answered from the cache
// first. The cache name carries the bundle's content hash, so a new build installs a fresh
// cache and the old one is deleted once the new worker takes over.
// Every URL is relative to this file, so the bundle works under any sub-path.
const VERSION = 'BUILD-VERSION';
const ASSETS = ['./', /* BUILD-ASSETS */];
const CACHE = `replication-playground-${VERSION}`;

self.addEventListener('install', (event) => {
  event.waitUntil(
    caches.open(CACHE).then((cache) => cache.addAll(ASSETS)).then(() => self.skipWaiting()),
  );
});

self.addEventListener('activate', (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((keys) => Promise.all(keys.filter((k) => k.startsWith('replication-playground-') && k !== CACHE).map((k) => caches.delete(k))))
      .then(() => self.clients.claim()),
  );
});

self.addEventListener('fetch', (event) => {
  const request = event.request;
  if (request.method !== 'GET' || new URL(request.url).origin !== self.location.origin) return;
  event.respondWith(
    // ignoreSearch: a share link's query string still opens the cached page.
    caches.match(request, { cacheName: CACHE, ignoreSearch: true }).then(
      (hit) =>
        hit ||
        fetch(request).then((response) => {
          if (response.ok && response.type === 'basic') {
            const copy = response.clone();
            caches.open(CACHE).then((cache) => cache.put(request, copy));
          }
          return response;
        }),
    ),
  );
});
