/* Registers the portal's service worker (/sw.js) on every page, so a visitor who loses the signal
 * gets the offline page and their downloaded routes instead of the browser's error. Pages that
 * offer or list offline packs load offline.js instead, which registers it too. */
if ("serviceWorker" in navigator) {
  window.addEventListener("load", function () {
    navigator.serviceWorker.register("/sw.js", { scope: "/" }).catch(function () {});
  });
}
