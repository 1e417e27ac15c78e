// The caravan tablet's service worker. The view serving it (/caravan/tablet/sw.js) puts SHELL
// (the app page and its static files, with their real, possibly hashed, URLs) and CACHE above.
/* global SHELL, CACHE */
"use strict";

self.addEventListener("install", function (event) {
  event.waitUntil(
    caches.open(CACHE).then(function (cache) {
      // One by one: a file that fails (say, the page while logged out) does not block the rest.
      return Promise.all(SHELL.map(function (url) {
        return fetch(url, { credentials: "same-origin" }).then(function (resp) {
          if (resp.ok && !resp.redirected) return cache.put(url, resp);
        }).catch(function () {});
      }));
    }).then(function () { return self.skipWaiting(); })
  );
});

self.addEventListener("activate", function (event) {
  event.waitUntil(
    caches.keys().then(function (keys) {
      return Promise.all(keys.filter(function (k) {
        return k.startsWith("markaz-tablet-") && k !== CACHE;
      }).map(function (k) { return caches.delete(k); }));
    }).then(function () { return self.clients.claim(); })
  );
});

function isPage(request, url) {
  return request.mode === "navigate" || url.pathname === SHELL[0];
}

self.addEventListener("fetch", function (event) {
  const request = event.request;
  if (request.method !== "GET") return; // uploads go straight to the network
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (url.pathname.indexOf("/api/") !== -1) return; // the app keeps its data in IndexedDB

  if (isPage(request, url)) {
    // The page: the network first (fresh words, fresh CSRF token), the kept copy offline.
    event.respondWith(
      fetch(request).then(function (resp) {
        if (resp.ok && !resp.redirected && url.pathname === SHELL[0]) {
          const copy = resp.clone();
          caches.open(CACHE).then(function (cache) { cache.put(SHELL[0], copy); });
        }
        return resp;
      }).catch(function () {
        return caches.match(SHELL[0]).then(function (hit) { return hit || Response.error(); });
      })
    );
    return;
  }
  // Static files: the kept copy first, else the network (and keep what the shell lists).
  event.respondWith(
    caches.match(request, { ignoreSearch: true }).then(function (hit) {
      return hit || fetch(request).then(function (resp) {
        if (resp.ok && SHELL.indexOf(url.pathname) !== -1) {
          const copy = resp.clone();
          caches.open(CACHE).then(function (cache) { cache.put(request, copy); });
        }
        return resp;
      });
    })
  );
});
