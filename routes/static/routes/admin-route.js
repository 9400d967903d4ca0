/*
 * Route editor: after Wagtail autosaves a GPS upload whose waypoints became stops, reload the
 * editor so the new stops appear as rows (InlinePanel rows cannot arrive as field updates);
 * otherwise the next save, which posts only the rows on screen, would drop them again.
 */
(function () {
  "use strict";

  function start() {
    var file = document.querySelector("input[name='track_file']");
    var waypoints = document.querySelector("input[name='waypoints_as_stops']");
    if (!file) {
      return;
    }
    function remember() {
      file.dataset.pendingStops = file.value && waypoints && waypoints.checked ? "1" : "";
    }
    file.addEventListener("change", remember);
    if (waypoints) {
      waypoints.addEventListener("change", remember);
    }
    document.addEventListener("w-autosave:success", function () {
      setTimeout(function () {
        // RoutePageForm's field updates clear the file input once the file has been imported.
        if (file.dataset.pendingStops === "1" && !file.value) {
          file.dataset.pendingStops = "";
          window.location.reload();
        }
      }, 0);
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
