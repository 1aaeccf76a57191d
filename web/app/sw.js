/* AuthGate device app service worker: the app shell works offline (it then says it
 * cannot reach AuthGate); API calls and event streams always go to the network. */
const SHELL = 'authgate-app-v1';
const FILES = ['/app', '/app/app.js', '/app/app.css', '/app/manifest.webmanifest', '/app/icon.svg', '/app/icon-192.png'];

self.addEventListener('install', (e) => {
  e.waitUntil(caches.open(SHELL).then((c) => c.addAll(FILES)).then(() => self.skipWaiting()));
});

self.addEventListener('activate', (e) => {
  e.waitUntil(caches.keys()
    .then((keys) => Promise.all(keys.filter((k) => k !== SHELL).map((k) => caches.delete(k))))
    .then(() => self.clients.claim()));
});

self.addEventListener('fetch', (e) => {
  const url = new URL(e.request.url);
  if (e.request.method !== 'GET' || url.origin !== location.origin || url.pathname.startsWith('/app/api/')) return;
  // Network first, so a new version shows at once; the cache when offline.
  e.respondWith(fetch(e.request)
    .then((r) => {
      if (r.ok && FILES.includes(url.pathname)) {
        const copy = r.clone();
        caches.open(SHELL).then((c) => c.put(e.request, copy));
      }
      return r;
    })
    .catch(() => caches.match(e.request, { ignoreSearch: true })));
});
