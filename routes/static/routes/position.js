/* "显示我的位置" on a route page: where the visitor is along the line, how far to the next stop and
 * to the end, and the altitude there. Everything comes from the page's own route data (the
 * #route-geo JSON: the line with its elevations, the stops with their distance from the start),
 * so it works the same in an offline pack, far from any signal. GPS works without a network.
 */
(function () {
  "use strict";

  var KM_PER_DEGREE = 6371.0088 * Math.PI / 180;

  function fmt(template, values) {
    return String(template || "").replace(/%\((\w+)\)s/g, function (m, k) {
      return values[k] === undefined ? m : values[k];
    });
  }

  function km(x) {
    return x < 10 ? x.toFixed(1) : x.toFixed(0);
  }

  // The route as one chain of vertices with the distance from the start at each: the parts of a
  // multi-part line follow each other, as the server measures them (routes.geometry).
  function Route(fc) {
    var self = this;
    this.points = [];
    this.stops = [];
    (fc.features || []).forEach(function (f) {
      var g = f.geometry || {};
      var p = f.properties || {};
      if (p.kind === "route" && (g.type === "LineString" || g.type === "MultiLineString")) {
        (g.type === "LineString" ? [g.coordinates] : g.coordinates).forEach(function (part) {
          part.forEach(function (c, i) {
            var prev = self.points[self.points.length - 1];
            var along = prev ? prev.along + (i === 0 ? 0 : self.distance(prev, c)) : 0;
            self.points.push({ lon: c[0], lat: c[1], ele: c.length > 2 ? c[2] : null, along: along, start: i === 0 });
          });
        });
      } else if (typeof p.number === "number" && typeof p.along_km === "number") {
        self.stops.push({ n: p.number, name: p.name, along: p.along_km });
      }
    });
    this.stops.sort(function (a, b) {
      return a.along - b.along;
    });
    this.length = this.points.length ? this.points[this.points.length - 1].along : 0;
  }

  Route.prototype.distance = function (a, c) {
    var lat = ((a.lat + c[1]) / 2) * Math.PI / 180;
    var dx = (c[0] - a.lon) * KM_PER_DEGREE * Math.cos(lat);
    var dy = (c[1] - a.lat) * KM_PER_DEGREE;
    return Math.sqrt(dx * dx + dy * dy);
  };

  // The nearest point of the line to (lon, lat): distance off the line, along it, and altitude.
  Route.prototype.snap = function (lon, lat) {
    var kx = KM_PER_DEGREE * Math.cos(lat * Math.PI / 180);
    var ky = KM_PER_DEGREE;
    var best = null;
    for (var i = 1; i < this.points.length; i++) {
      var a = this.points[i - 1];
      var b = this.points[i];
      if (b.start) continue; // no segment between two parts
      var ax = (a.lon - lon) * kx, ay = (a.lat - lat) * ky;
      var bx = (b.lon - lon) * kx, by = (b.lat - lat) * ky;
      var dx = bx - ax, dy = by - ay;
      var len2 = dx * dx + dy * dy;
      var t = len2 ? Math.max(0, Math.min(1, -(ax * dx + ay * dy) / len2)) : 0;
      var px = ax + t * dx, py = ay + t * dy;
      var off = Math.sqrt(px * px + py * py);
      if (!best || off < best.off) {
        var ele = a.ele !== null && b.ele !== null ? a.ele + t * (b.ele - a.ele) : null;
        best = { off: off, along: a.along + t * (b.along - a.along), ele: ele };
      }
    }
    return best;
  };

  Route.prototype.nextStop = function (along) {
    for (var i = 0; i < this.stops.length; i++) {
      if (this.stops[i].along > along + 0.05) return this.stops[i];
    }
    return null;
  };

  function setup(box) {
    var data = document.getElementById("route-geo");
    if (!data || !("geolocation" in navigator)) return;
    var route;
    try {
      route = new Route(JSON.parse(data.textContent));
    } catch (e) {
      return;
    }
    if (route.points.length < 2) return;
    var s = {};
    try {
      s = JSON.parse(box.getAttribute("data-strings") || "{}");
    } catch (e) {}
    var toggle = box.querySelector("[data-position-toggle]");
    var out = box.querySelector("[data-position-out]");
    var watch = null;
    var marker = null;
    box.hidden = false;

    function mapState() {
      var maps = (window.PortalMap && window.PortalMap.maps) || {};
      return maps[box.getAttribute("data-map")] || null;
    }

    function show(lon, lat) {
      var found = route.snap(lon, lat);
      var alt = found.ele !== null ? fmt(s.alt, { m: Math.round(found.ele).toLocaleString() }) : "";
      var lines = [];
      lines.push(found.off > 0.5 ? fmt(s.off, { off: km(found.off), along: km(found.along), alt: alt }) : fmt(s.on, { along: km(found.along), alt: alt }));
      var next = route.nextStop(found.along);
      lines.push(next ? fmt(s.next, { n: next.n, name: next.name, km: km(next.along - found.along) }) : s.last);
      lines.push(fmt(s.end, { km: km(Math.max(0, route.length - found.along)) }));
      out.textContent = lines.join(" ");
      box.setAttribute("data-along-km", found.along.toFixed(2));
      box.setAttribute("data-off-km", found.off.toFixed(2));
      box.setAttribute("data-next-stop", next ? String(next.n) : "");
      box.setAttribute("data-next-km", next ? (next.along - found.along).toFixed(2) : "");
      box.setAttribute("data-end-km", Math.max(0, route.length - found.along).toFixed(2));
      box.setAttribute("data-altitude-m", found.ele !== null ? String(Math.round(found.ele)) : "");
      var state = mapState();
      if (state && window.L) {
        var ll = state.toLatLng([lon, lat]);
        if (!marker) {
          marker = L.circleMarker(ll, { radius: 8, color: "#ffffff", weight: 3, fillColor: "#2563eb", fillOpacity: 1, className: "route-you" });
          marker.bindTooltip(s.you);
          marker.addTo(state.map);
        } else {
          marker.setLatLng(ll);
        }
        if (!state.map.getBounds().contains(ll)) state.map.panTo(ll);
      }
    }

    function stop() {
      if (watch !== null) navigator.geolocation.clearWatch(watch);
      watch = null;
      toggle.textContent = s.start;
      toggle.setAttribute("aria-pressed", "false");
    }

    toggle.addEventListener("click", function () {
      if (watch !== null) {
        stop();
        return;
      }
      out.textContent = s.locating;
      toggle.textContent = s.stop;
      toggle.setAttribute("aria-pressed", "true");
      watch = navigator.geolocation.watchPosition(
        function (pos) {
          show(pos.coords.longitude, pos.coords.latitude);
        },
        function (err) {
          out.textContent = err.code === 1 ? s.denied : s.unavailable;
          stop();
        },
        { enableHighAccuracy: true, maximumAge: 15000, timeout: 30000 }
      );
    });
  }

  function boot() {
    document.querySelectorAll("[data-route-position]").forEach(setup);
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", boot);
  else boot();
})();
