/* The portal's service worker, rendered at /sw.js by portal.offline.service_worker.
 *
 * The network always comes first: a visitor online sees the live site, exactly as without a worker
 * (navigation preload keeps that as fast). Only when the network fails does it answer from what
 * the browser holds: the offline packs a visitor downloaded (portal/static/portal/js/offline.js
 * writes them, one Cache Storage cache per pack), else the offline page in the address's
 * language. A page of a pack that the site no longer serves (404/410) loses its pack and leads to
 * the offline page, which says so.
 */
"use strict";

const CONFIG = {{ config|safe }};
const SHELL = "portal-shell-" + CONFIG.version;
const INDEX = "portal-packs"; // one JSON entry per pack, written by offline.js
const PACK_PREFIX = "portal-pack-";

self.addEventListener("install", (event) => {
  event.waitUntil(
    caches
      .open(SHELL)
      .then((cache) => cache.addAll(CONFIG.shell.map((url) => new Request(url, { credentials: "omit", cache: "reload" }))))
      .then(() => self.skipWaiting())
  );
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    (async () => {
      const names = await caches.keys();
      await Promise.all(names.filter((n) => n.startsWith("portal-shell-") && n !== SHELL).map((n) => caches.delete(n)));
      if (self.registration.navigationPreload) await self.registration.navigationPreload.enable();
      await self.clients.claim();
    })()
  );
});

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  if (url.origin === self.location.origin) {
    if (CONFIG.never.some((prefix) => url.pathname.startsWith(prefix))) return;
    if (request.mode === "navigate") event.respondWith(navigate(event, url));
    else event.respondWith(local(request, url));
    return;
  }
  // Another host (map tiles): from a pack when it holds the tile, else as the page asked.
  event.respondWith(caches.match(request, { ignoreVary: true }).then((hit) => hit || fetch(request)));
});

async function packs() {
  const index = await caches.open(INDEX);
  const entries = await Promise.all((await index.keys()).map((key) => index.match(key).then((r) => r.json())));
  return entries.filter((meta) => meta && meta.key);
}

async function removePack(meta) {
  const index = await caches.open(INDEX);
  const names = await caches.keys();
  await Promise.all(names.filter((n) => n.startsWith(PACK_PREFIX + meta.key + "@")).map((n) => caches.delete(n)));
  await index.delete(meta.entry);
}

function offlinePage(url) {
  const lang = Object.keys(CONFIG.offline).find((code) => url.pathname.startsWith("/" + code + "/"));
  return CONFIG.offline[lang] || Object.values(CONFIG.offline)[0];
}

async function navigate(event, url) {
  let response;
  try {
    response = (await event.preloadResponse) || (await fetch(event.request));
  } catch (error) {
    // The address as saved, else without its query: WeChat adds ?from=singlemessage to shared links.
    const hit =
      (await caches.match(event.request, { ignoreVary: true })) || (await caches.match(event.request, { ignoreVary: true, ignoreSearch: true }));
    return hit || (await caches.match(offlinePage(url), { ignoreVary: true })) || Response.error();
  }
  if (response.status === 404 || response.status === 410) {
    const gone = (await packs()).find((meta) => (meta.urls || []).includes(url.pathname));
    if (gone) {
      await removePack(gone);
      return Response.redirect(offlinePage(url) + "?gone=" + encodeURIComponent(gone.title), 303);
    }
  }
  return response;
}

async function local(request, url) {
  try {
    return await fetch(request);
  } catch (error) {
    const hit = await caches.match(request, { ignoreVary: true });
    if (hit) return hit;
    if (url.pathname.startsWith(CONFIG.media)) {
      // Another size or format of a picture the pack keeps one phone-size copy of.
      for (const meta of await packs()) {
        const alias = (meta.aliases || {})[url.pathname];
        const kept = alias && (await caches.match(alias, { ignoreVary: true }));
        if (kept) return kept;
      }
    }
    return Response.error();
  }
}
