/*
 * Admin map widget (portal/widgets.py): a GeoJSON point picker or line editor on Leaflet and
 * Leaflet.draw, both vendored by django-leaflet. No GDAL, no build step, no inline script.
 *
 * The textarea inside each [data-map-widget] is the source of truth. The map only rewrites it
 * when the editor changes something on the map, so an untouched value is posted back exactly as
 * it was loaded; positions keep their elevation (third number) when their vertex is moved.
 * Widgets are found at load time and whenever they appear later (InlinePanel rows, StreamField
 * blocks), through a MutationObserver, so no Stimulus controller or telepath adapter is needed.
 */
(function () {
  "use strict";

  if (typeof window.L === "undefined") {
    return; // Leaflet failed to load: the plain GeoJSON textarea still works.
  }
  var L = window.L;

  // GCJ-02 (gcj02.js, loaded before this file), only used when the admin tiles are Gaode's:
  // stored data stays WGS-84.
  var wgsToGcj = window.PortalGcj02.wgs84ToGcj02;
  var gcjToWgs = window.PortalGcj02.gcj02ToWgs84;

  function round(v, digits) {
    var f = Math.pow(10, digits);
    return Math.round(v * f) / f;
  }

  function debounce(fn, ms) {
    var t = null;
    return function () {
      clearTimeout(t);
      t = setTimeout(fn, ms);
    };
  }

  function parseGeometry(text) {
    var value = JSON.parse(text);
    if (value && value.type === "Feature") {
      value = value.geometry;
    }
    return value;
  }

  function fire(el, type) {
    el.dispatchEvent(new Event(type, { bubbles: true }));
  }

  var localised = false;
  function localiseDraw(t) {
    if (localised || !L.drawLocal) {
      return;
    }
    localised = true;
    var d = L.drawLocal.draw;
    d.toolbar.buttons.polyline = t.drawLine;
    d.toolbar.actions.text = t.cancel;
    d.toolbar.actions.title = t.cancel;
    d.toolbar.finish.text = t.finish;
    d.toolbar.finish.title = t.finish;
    d.toolbar.undo.text = t.undo;
    d.toolbar.undo.title = t.undo;
    d.handlers.polyline.tooltip.start = t.startLine;
    d.handlers.polyline.tooltip.cont = t.continueLine;
    d.handlers.polyline.tooltip.end = t.endLine;
    var e = L.drawLocal.edit;
    e.toolbar.buttons.edit = t.edit;
    e.toolbar.buttons.remove = t.remove;
    e.toolbar.actions.save.text = t.save;
    e.toolbar.actions.save.title = t.save;
    e.toolbar.actions.cancel.text = t.cancel;
    e.toolbar.actions.cancel.title = t.cancel;
    e.toolbar.actions.clearAll.text = t.clearAll;
    e.toolbar.actions.clearAll.title = t.clearAll;
  }

  function Widget(root) {
    this.root = root;
    this.opts = JSON.parse(root.getAttribute("data-options") || "{}");
    this.t = this.opts.i18n || {};
    this.textarea = root.querySelector("textarea");
    this.statusEl = root.querySelector("[data-map-widget-status]");
    this.raw = root.querySelector("[data-map-widget-raw]");
    this.types = this.opts.geomTypes || ["Point"];
    this.isPoint = this.types.length === 1 && this.types[0] === "Point";
    this.multi = this.types.indexOf("MultiLineString") !== -1;
    this.gcj = !!(this.opts.tiles && this.opts.tiles.crs === "gcj02");
    this.lastText = null;
    this.fitted = false;
    this.build();
  }

  // Positions <-> LatLngs. Each LatLng remembers the exact position it was made from, so an
  // untouched vertex is written back unchanged (no rounding, no datum round trip).
  Widget.prototype.toLatLng = function (pos) {
    var shown = this.gcj ? wgsToGcj(pos[0], pos[1]) : [pos[0], pos[1]];
    var ll = L.latLng(shown[1], shown[0], pos.length > 2 ? pos[2] : undefined);
    ll._src = { pos: pos, lat: ll.lat, lng: ll.lng };
    return ll;
  };

  Widget.prototype.fromLatLng = function (ll) {
    if (ll._src && ll._src.lat === ll.lat && ll._src.lng === ll.lng) {
      return ll._src.pos;
    }
    var w = this.gcj ? gcjToWgs(ll.lng, ll.lat) : [ll.lng, ll.lat];
    var pos = [round(w[0], 6), round(w[1], 6)];
    if (ll.alt !== undefined && ll.alt !== null && !isNaN(ll.alt)) {
      pos.push(ll.alt);
    }
    return pos;
  };

  Widget.prototype.build = function () {
    var self = this;
    var mapEl = this.root.querySelector("[data-map-widget-map]");
    var map = (this.map = L.map(mapEl, { center: [36.65, 101.55], zoom: 9, scrollWheelZoom: false, zoomControl: false }));
    // Leaflet's own controls speak English ("Zoom in", "A JavaScript library for interactive maps")
    L.control.zoom({ zoomInTitle: this.t.zoomIn || "Zoom in", zoomOutTitle: this.t.zoomOut || "Zoom out" }).addTo(map);
    if (map.attributionControl) {
      map.attributionControl.setPrefix('<a href="https://leafletjs.com">Leaflet</a>');
    }
    map.once("focus click", function () {
      map.scrollWheelZoom.enable();
    });
    var tiles = (this.opts.tiles && this.opts.tiles.layers) || [];
    tiles.forEach(function (layer) {
      L.tileLayer(layer.url, layer.options || {}).addTo(map);
    });
    this.items = L.featureGroup().addTo(map);

    if (this.isPoint) {
      map.on("click", function (e) {
        self.setPoint(e.latlng);
        self.write();
      });
    } else {
      localiseDraw(this.t);
      map.addControl(
        new L.Control.Draw({
          position: "topleft",
          draw: {
            polyline: { shapeOptions: { color: "#c2410c", weight: 4 }, metric: true, showLength: true },
            polygon: false,
            rectangle: false,
            circle: false,
            marker: false,
            circlemarker: false,
          },
          edit: { featureGroup: this.items, remove: true },
        })
      );
      map.on("draw:created", function (e) {
        if (!self.multi) {
          self.items.clearLayers();
        }
        self.styleLine(e.layer);
        self.items.addLayer(e.layer);
        self.write();
      });
      // Write while editing too: an editor who saves the page without pressing Leaflet.draw's
      // own "Save" still keeps the change. "Cancel" restores the line, and editstop writes that.
      map.on("draw:editvertex draw:edited draw:deleted draw:editstop draw:deletestop", function () {
        self.write();
      });
    }
    this.addToolbar();

    this.textarea.addEventListener(
      "input",
      debounce(function () {
        self.read(true);
      }, 400)
    );
    this.textarea.addEventListener("change", function () {
      self.read(true);
    });

    var ok = this.read(false);
    if (ok && this.raw) {
      this.raw.open = false; // the map shows it; the raw JSON stays one click away
    }

    if (this.opts.companion) {
      this.setupCompanion(this.opts.companion);
    }
    if (this.isPoint) {
      this.setupContext();
    }

    if (window.ResizeObserver) {
      // Maps inside collapsed panels or hidden tabs start with no size: re-measure when shown.
      new ResizeObserver(function () {
        if (mapEl.offsetWidth > 0) {
          map.invalidateSize();
          if (!self.fitted) {
            self.fit();
            if (!self.fitted && self.redrawContext) {
              self.redrawContext();
            }
          }
        }
      }).observe(mapEl);
    }
  };

  Widget.prototype.addToolbar = function () {
    var self = this;
    var Toolbar = L.Control.extend({
      options: { position: "topright" },
      onAdd: function () {
        var box = L.DomUtil.create("div", "map-widget__toolbar leaflet-bar");
        var fit = L.DomUtil.create("a", "", box);
        fit.href = "#";
        fit.setAttribute("role", "button");
        fit.textContent = self.t.fit || "Fit";
        var clear = L.DomUtil.create("a", "", box);
        clear.href = "#";
        clear.setAttribute("role", "button");
        clear.textContent = self.t.clear || "Clear";
        L.DomEvent.disableClickPropagation(box);
        L.DomEvent.on(fit, "click", function (e) {
          L.DomEvent.preventDefault(e);
          self.fit(true);
        });
        L.DomEvent.on(clear, "click", function (e) {
          L.DomEvent.preventDefault(e);
          self.items.clearLayers();
          self.marker = null;
          self.write();
        });
        return box;
      },
    });
    this.map.addControl(new Toolbar());
  };

  Widget.prototype.styleLine = function (layer) {
    if (layer.setStyle) {
      layer.setStyle({ color: "#c2410c", weight: 4, opacity: 0.9 });
    }
  };

  Widget.prototype.setPoint = function (latlng) {
    var self = this;
    if (this.marker) {
      this.marker.setLatLng(latlng);
      return;
    }
    this.marker = L.marker(latlng, { draggable: true, keyboard: true }).addTo(this.items);
    this.marker.on("dragend", function () {
      self.write();
    });
  };

  // Load the textarea's GeoJSON onto the map. Returns false when it cannot be read.
  Widget.prototype.read = function (fromTyping) {
    var text = this.textarea.value.trim();
    if (text === this.lastText) {
      return true;
    }
    this.lastText = text;
    var self = this;
    this.items.clearLayers();
    this.marker = null;
    if (!text || text === "null") {
      // Django renders an empty JSON field as "null"
      this.status();
      return true;
    }
    var geom;
    try {
      geom = parseGeometry(text);
      if (!geom || typeof geom !== "object") {
        throw new Error("not an object");
      }
      if (geom.type === "Point") {
        this.setPoint(this.toLatLng(geom.coordinates));
      } else if (geom.type === "LineString" || geom.type === "MultiLineString") {
        var lines = geom.type === "LineString" ? [geom.coordinates] : geom.coordinates;
        lines.forEach(function (line) {
          var layer = L.polyline(
            line.map(function (p) {
              return self.toLatLng(p);
            })
          );
          self.styleLine(layer);
          self.items.addLayer(layer);
        });
      } else {
        throw new Error("unsupported type");
      }
    } catch (err) {
      this.status(this.t.badJson, true);
      if (this.raw) {
        this.raw.open = true;
      }
      return false;
    }
    if (fromTyping || !this.fitted) {
      this.fit();
    }
    this.status();
    return true;
  };

  Widget.prototype.collect = function () {
    var self = this;
    if (this.isPoint) {
      return this.marker ? { type: "Point", coordinates: this.fromLatLng(this.marker.getLatLng()) } : null;
    }
    var lines = [];
    this.items.eachLayer(function (layer) {
      if (layer.getLatLngs) {
        var lls = layer.getLatLngs();
        if (lls.length && Array.isArray(lls[0])) {
          lls = lls[0];
        }
        if (lls.length >= 2) {
          lines.push(
            lls.map(function (ll) {
              return self.fromLatLng(ll);
            })
          );
        }
      }
    });
    if (!lines.length) {
      return null;
    }
    if (lines.length === 1 && this.types.indexOf("LineString") !== -1) {
      return { type: "LineString", coordinates: lines[0] };
    }
    return { type: "MultiLineString", coordinates: lines };
  };

  Widget.prototype.write = function () {
    var geom = this.collect();
    var text = geom ? JSON.stringify(geom) : "";
    if (text === this.lastText) {
      return;
    }
    this.lastText = text;
    this.textarea.value = text;
    fire(this.textarea, "input");
    fire(this.textarea, "change");
    this.status();
  };

  Widget.prototype.fit = function (always) {
    if (!this.map.getSize().x) {
      return;
    }
    var bounds = this.items.getBounds();
    if (bounds.isValid()) {
      if (this.isPoint) {
        this.map.setView(bounds.getCenter(), Math.max(this.map.getZoom(), always ? 15 : 13));
      } else {
        this.map.fitBounds(bounds, { padding: [20, 20], maxZoom: 15 });
      }
      this.fitted = true;
    } else if (always && this.companionLayer) {
      var cb = L.featureGroup(this.companionLayer.getLayers()).getBounds();
      if (cb.isValid()) {
        this.map.fitBounds(cb, { padding: [20, 20], maxZoom: 14 });
      }
    }
  };

  Widget.prototype.status = function (message, isError) {
    if (!this.statusEl) {
      return;
    }
    var t = this.t;
    var text = message;
    if (!text) {
      var geom = this.collect();
      if (!geom) {
        text = (this.isPoint ? t.pointHelp : t.lineHelp) + " " + (t.noValue || "");
      } else if (geom.type === "Point") {
        text = geom.coordinates[1].toFixed(5) + ", " + geom.coordinates[0].toFixed(5) + "（纬度, 经度 lat, lon）";
      } else {
        var lines = geom.type === "LineString" ? [geom.coordinates] : geom.coordinates;
        var km = 0;
        var n = 0;
        var withEle = false;
        lines.forEach(function (line) {
          n += line.length;
          for (var i = 0; i < line.length; i++) {
            if (line[i].length > 2) {
              withEle = true;
            }
            if (i > 0) {
              km += L.latLng(line[i - 1][1], line[i - 1][0]).distanceTo(L.latLng(line[i][1], line[i][0])) / 1000;
            }
          }
        });
        var parts = [km.toFixed(1) + " km", (t.points || "%(n)s").replace("%(n)s", n)];
        if (lines.length > 1) {
          parts.push((t.segments || "%(n)s").replace("%(n)s", lines.length));
        }
        if (withEle) {
          parts.push(t.elevations);
        }
        text = parts.join(" · ");
        if (this.opts.companion) {
          text += " · " + t.dragStops;
        }
      }
    }
    this.statusEl.textContent = text;
    this.statusEl.classList.toggle("map-widget__status--error", !!isError);
  };

  // --- context: a point picker in a form that also has a line shows that line, faintly, so a
  // stop can be placed on the route; an empty picker opens on the line rather than on Xining.
  Widget.prototype.setupContext = function () {
    var self = this;
    var form = this.root.closest("form");
    var lineWidget = form && form.querySelector(".map-widget--line");
    var source = lineWidget && lineWidget.querySelector("textarea");
    if (!source) {
      return;
    }
    this.contextLayer = L.featureGroup().addTo(this.map);
    var draw = function () {
      self.contextLayer.clearLayers();
      var geom;
      try {
        geom = parseGeometry(source.value);
      } catch (err) {
        return;
      }
      if (!geom || (geom.type !== "LineString" && geom.type !== "MultiLineString")) {
        return;
      }
      (geom.type === "LineString" ? [geom.coordinates] : geom.coordinates).forEach(function (line) {
        L.polyline(
          line.map(function (p) {
            return self.toLatLng(p);
          }),
          { color: "#c2410c", weight: 3, opacity: 0.45, interactive: false }
        ).addTo(self.contextLayer);
      });
      if (!self.items.getLayers().length) {
        var b = self.contextLayer.getBounds();
        if (b.isValid() && self.map.getSize().x) {
          self.map.fitBounds(b, { padding: [10, 10] });
        }
      }
    };
    source.addEventListener("change", draw);
    this.redrawContext = draw;
    draw();
  };

  // --- companion points: the stops of the route, draggable on the route's map ----------------
  Widget.prototype.setupCompanion = function (prefix) {
    var self = this;
    var form = this.root.closest("form") || document;
    var pattern = new RegExp("^" + prefix + "-(\\d+)-(location|name|location_checked|DELETE|ORDER)$");
    this.companionLayer = L.layerGroup().addTo(this.map);
    var refresh = debounce(function () {
      self.renderCompanions(form, prefix);
    }, 200);
    ["input", "change"].forEach(function (type) {
      form.addEventListener(type, function (e) {
        if (e.target && e.target.name && pattern.test(e.target.name)) {
          refresh();
        }
      });
    });
    document.addEventListener("w-formset:added", refresh);
    document.addEventListener("w-formset:removed", refresh);
    form.addEventListener("click", function (e) {
      if (e.target.closest && e.target.closest("[data-inline-panel-child-move-up],[data-inline-panel-child-move-down]")) {
        setTimeout(refresh, 300);
      }
    });
    this.renderCompanions(form, prefix);
  };

  Widget.prototype.renderCompanions = function (form, prefix) {
    var self = this;
    var pattern = new RegExp("^" + prefix + "-(\\d+)-location$");
    var areas = Array.prototype.filter.call(form.querySelectorAll("textarea"), function (ta) {
      return pattern.test(ta.name) && !ta.closest(".deleted");
    });
    this.companionLayer.clearLayers();
    areas.forEach(function (ta, i) {
      var geom;
      try {
        geom = parseGeometry(ta.value);
      } catch (err) {
        return;
      }
      if (!geom || geom.type !== "Point" || !Array.isArray(geom.coordinates)) {
        return;
      }
      var idx = pattern.exec(ta.name)[1];
      var nameInput = form.querySelector('[name="' + prefix + "-" + idx + '-name"]');
      var checked = form.querySelector('[name="' + prefix + "-" + idx + '-location_checked"]');
      var label = i + 1 + ". " + (nameInput && nameInput.value ? nameInput.value : self.t.stop || "");
      var icon = L.divIcon({
        className: "map-widget-stop" + (checked && !checked.checked ? " map-widget-stop--unchecked" : ""),
        html: String(i + 1),
        iconSize: [24, 24],
        iconAnchor: [12, 12],
      });
      var marker = L.marker(self.toLatLng(geom.coordinates), { icon: icon, draggable: true, title: label, keyboard: true });
      marker.bindTooltip(label);
      marker.on("dragend", function () {
        ta.value = JSON.stringify({ type: "Point", coordinates: self.fromLatLng(marker.getLatLng()) });
        fire(ta, "input");
        fire(ta, "change");
      });
      marker.addTo(self.companionLayer);
    });
    if (!this.items.getLayers().length && !this.fitted) {
      this.fit(true);
    }
  };

  // --- discovery --------------------------------------------------------------------------
  function initAll(scope) {
    var found = [];
    if (scope.matches && scope.matches("[data-map-widget]")) {
      found.push(scope);
    }
    if (scope.querySelectorAll) {
      Array.prototype.push.apply(found, scope.querySelectorAll("[data-map-widget]"));
    }
    found.forEach(function (el) {
      if (el.getAttribute("data-map-widget-ready") || !el.isConnected) {
        return;
      }
      el.setAttribute("data-map-widget-ready", "1");
      try {
        el.mapWidget = new Widget(el);
      } catch (err) {
        // Never break the editor: the textarea keeps working on its own.
        if (window.console) {
          window.console.error("map widget", err);
        }
      }
    });
  }

  function start() {
    initAll(document);
    // An autosave may rewrite a field's value (Wagtail's field updates set .value, which fires
    // no event): bring every map back in line with its textarea.
    document.addEventListener("w-autosave:success", function () {
      setTimeout(function () {
        document.querySelectorAll("[data-map-widget-ready]").forEach(function (el) {
          if (el.mapWidget) {
            el.mapWidget.read(true);
          }
        });
      }, 0);
    });
    new MutationObserver(function (mutations) {
      mutations.forEach(function (m) {
        m.addedNodes.forEach(function (node) {
          if (node.nodeType === 1) {
            initAll(node);
          }
        });
      });
    }).observe(document.body, { childList: true, subtree: true });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }

  window.PortalAdminMap = { init: initAll, wgsToGcj: wgsToGcj, gcjToWgs: gcjToWgs };
})();
