/*
 * The report form's place: a tap on the map or the visitor's GPS sets the hidden lon/lat fields
 * (WGS-84, shifted back from the map's GCJ-02 when the tiles are Gaode's, by map.js's own state).
 * Without either, the server takes the reported place's own point. The button is disabled while
 * the form is sent, so a double tap is one report (the form token covers the rest).
 */
(function () {
  "use strict";
  var form = document.querySelector("[data-report-form]");
  if (!form) return;
  var lon = form.querySelector("input[name=lon]");
  var lat = form.querySelector("input[name=lat]");
  var status = form.querySelector("[data-report-gps-status]");
  var wrapper = form.querySelector("[data-portal-map]");
  var strings = JSON.parse(form.getAttribute("data-strings") || "{}");
  var marker = null;

  function state() {
    var maps = (window.PortalMap && window.PortalMap.maps) || {};
    return maps["report-map"] || null;
  }

  function place(lonValue, latValue, pan) {
    lon.value = lonValue.toFixed(6);
    lat.value = latValue.toFixed(6);
    form.setAttribute("data-point", lon.value + "," + lat.value);
    var s = state();
    if (!s || !window.L) return;
    var ll = s.toLatLng([lonValue, latValue]);
    if (!marker) {
      marker = window.L.circleMarker(ll, { radius: 9, color: "#ffffff", weight: 3, fillColor: "#b91c1c", fillOpacity: 1, className: "report-point" });
      marker.addTo(s.map);
    } else {
      marker.setLatLng(ll);
    }
    if (pan) s.map.setView(ll, Math.max(s.map.getZoom(), 13));
  }

  if (wrapper) {
    wrapper.addEventListener("portalmap:ready", function (e) {
      var s = e.detail.state;
      if (lon.value && lat.value) place(parseFloat(lon.value), parseFloat(lat.value), true);
      s.map.on("click", function (ev) {
        var p = s.toLonLat(ev.latlng);
        place(p[0], p[1], false);
        if (status) status.textContent = strings.tapped || "";
      });
    });
  }

  var gps = form.querySelector("[data-report-gps]");
  if (gps) {
    if (!("geolocation" in navigator)) gps.hidden = true;
    gps.addEventListener("click", function () {
      if (status) status.textContent = strings.locating || "";
      navigator.geolocation.getCurrentPosition(
        function (pos) {
          place(pos.coords.longitude, pos.coords.latitude, true);
          if (status) status.textContent = strings.located || "";
        },
        function () {
          if (status) status.textContent = strings.noGps || "";
        },
        { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 }
      );
    });
  }

  form.addEventListener("submit", function () {
    var button = form.querySelector("[data-report-submit]");
    if (button) {
      window.setTimeout(function () {
        button.disabled = true;
      }, 0);
    }
  });
})();
