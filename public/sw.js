// Lightdeck's service worker. VERSION and PRECACHE are prepended at build time by
// scripts/pwa-precache.sh. Only the app's own files are cached: calls to the node (other
// origins, POST gRPC-web) are never intercepted.
const CACHE = `lightdeck-${VERSION}`;

self.addEventListener('install', (event) => {
  // Fetched past the HTTP cache: the scanner worker's files keep one name from build to build.
  event.waitUntil(caches.open(CACHE).then((c) => c.addAll(PRECACHE.map((u) => new Request(u, { cache: 'reload' })))).then(() => self.skipWaiting()));
});

self.addEventListener('activate', (event) => {
  event.waitUntil(
    caches.keys()
      .then((keys) => Promise.all(keys.filter((k) => k.startsWith('lightdeck-') && k !== CACHE).map((k) => caches.delete(k))))
      .then(() => self.clients.claim()),
  );
});

self.addEventListener('fetch', (event) => {
  const req = event.request;
  if (req.method !== 'GET' || new URL(req.url).origin !== self.location.origin) return;
  if (req.mode === 'navigate') {
    // Routes are the SPA's: the network first, the cached shell when offline.
    event.respondWith(fetch(req).catch(() => caches.match('./index.html', { ignoreSearch: true })));
    return;
  }
  // This build's files, cached together under its version: a cached copy is always right.
  event.respondWith(caches.match(req).then((hit) => hit || fetch(req)));
});
