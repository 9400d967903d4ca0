/*
 * Portal map module — one small vanilla script for every map on the site: the map page (/map/),
 * route pages and detail pages. No build step, no CDN, no inline script: templates render
 * portal/includes/map.html, whose data attributes (see templates/leaflet/_leaflet_map.html and
 * templatetags/portal_map.py) tell this file what to draw.
 *
 * Our geometry is WGS-84. Gaode (高德) tiles are drawn in GCJ-02, so when the site uses them every
 * coordinate is shifted on the way into Leaflet (wgs84ToGcj02 from gcj02.js, the same formula as
 * portal.geo.wgs84_to_gcj02 and tested against it) and shifted back when we read the map
 * (view state in the URL, "near me" around the map centre).
 */
(function (root) {
  "use strict";

  // WGS-84 → GCJ-02 lives in gcj02.js (loaded first by portal/includes/map_scripts.html).
  var Gcj02 = root.PortalGcj02 || (typeof require === "function" ? require("./gcj02.js") : null);
  var wgs84ToGcj02 = Gcj02.wgs84ToGcj02;
  var gcj02ToWgs84 = Gcj02.gcj02ToWgs84;

  var PortalMap = { wgs84ToGcj02: wgs84ToGcj02, gcj02ToWgs84: gcj02ToWgs84, maps: {} };

  if (typeof module !== "undefined" && module.exports) module.exports = PortalMap; // node, for tests
  if (typeof root.document === "undefined" || typeof root.L === "undefined") {
    root.PortalMap = PortalMap;
    return;
  }

  var L = root.L;
  var document = root.document;

  // ---------------------------------------------------------------- small helpers
  var SAFE_URL = /^(\/(?!\/)|https?:\/\/)/i;
  var SAFE_COLOUR = /^(#[0-9a-f]{3,8}|[a-z]{3,20})$/i;

  function safeUrl(u) {
    return typeof u === "string" && SAFE_URL.test(u) ? u : null;
  }

  function safeColour(c, fallback) {
    return typeof c === "string" && SAFE_COLOUR.test(c) ? c : fallback;
  }

  function fmt(template, values) {
    return String(template || "").replace(/%\((\w+)\)s/g, function (m, k) {
      return Object.prototype.hasOwnProperty.call(values, k) ? values[k] : m;
    });
  }

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  // The character on a marker: its kind's, as the layers registered them (portal.registry), else
  // the first character of a Chinese kind, else the layer's own.
  function glyphFor(kind, meta, glyphs) {
    if (kind && glyphs[kind]) return glyphs[kind];
    if (kind && /[\u3400-\u9fff]/.test(kind.charAt(0))) return kind.charAt(0);
    return (meta && meta.glyph) || "•";
  }

  function parseJSON(text, fallback) {
    try {
      return JSON.parse(text);
    } catch (e) {
      return fallback;
    }
  }

  // [w, s, e, n] of numbers (a GeoJSON bbox, a cluster's extent), else null.
  function parseBbox(b) {
    if (!b || b.length !== 4) return null;
    for (var i = 0; i < 4; i++) if (typeof b[i] !== "number" || !isFinite(b[i])) return null;
    return b;
  }

  // What identifies a feature from one answer of a layer to the next, so a reload keeps the
  // markers that are still there (and an open popup with them) instead of drawing them again.
  function featureKey(f) {
    var p = f.properties || {};
    var g = f.geometry || {};
    var what = p.cluster === true ? "cluster " + p.count : [p.url || "", p.name || "", p.number === undefined ? "" : p.number].join(" ");
    return g.type + "|" + String(g.coordinates) + "|" + what;
  }

  // z-index offset of a page's own (unclustered) markers: above any cluster or context marker.
  var INLINE_Z = 10000;

  // A DivIcon whose content is built with DOM calls (never innerHTML), coloured per layer/route.
  var PortalIcon = L.DivIcon.extend({
    options: { iconSize: [32, 32], iconAnchor: [16, 16], popupAnchor: [0, -14], colour: "#1f6f5c", text: "", label: "", numbered: false },
    createIcon: function (old) {
      var div = old && old.tagName === "DIV" ? old : document.createElement("div");
      this.options.className = "map-marker" + (this.options.numbered ? " map-marker--number" : "");
      div.textContent = this.options.text;
      div.style.backgroundColor = this.options.colour;
      if (this.options.label) div.setAttribute("aria-label", this.options.label);
      this._setIconStyles(div, "icon");
      return div;
    },
  });

  // A cluster bubble: a small stack of square cards reading "3 / 处" ("3 / places") on a 44 px tap
  // target, never a round numbered badge, so it cannot be read as a route's stop "3".
  var ClusterIcon = L.DivIcon.extend({
    options: { iconSize: [44, 44], iconAnchor: [22, 22], text: "", unit: "", label: "" },
    createIcon: function (old) {
      var div = old && old.tagName === "DIV" ? old : document.createElement("div");
      this.options.className = "marker-cluster portal-cluster";
      div.textContent = "";
      var card = el("span", "portal-cluster-label", this.options.text);
      if (this.options.unit) card.appendChild(el("span", "portal-cluster-unit", this.options.unit));
      div.appendChild(card);
      // the spoken name is the visible "3 处" plus a hidden hint: an aria-label replacing the
      // visible text would leave voice-control users unable to name what they see
      if (this.options.label) div.appendChild(el("span", "visually-hidden", " " + this.options.label));
      this._setIconStyles(div, "icon");
      return div;
    },
  });

  // A place name of the offline basemap: a zero-size anchor at the place, the dot and the text
  // positioned around it by CSS (placeLabels picks the side that hides nothing).
  var LabelIcon = L.DivIcon.extend({
    options: { iconSize: [0, 0], iconAnchor: [0, 0], kind: "town", text: "", sub: "" },
    createIcon: function (old) {
      var div = old && old.tagName === "DIV" ? old : document.createElement("div");
      this.options.className = "basemap-label basemap-label--" + this.options.kind;
      div.textContent = "";
      div.setAttribute("aria-hidden", "true");
      div.appendChild(el("span", "basemap-dot"));
      var text = el("span", "basemap-text", this.options.text);
      if (this.options.sub) text.appendChild(el("span", "basemap-sub", this.options.sub));
      div.appendChild(text);
      this._setIconStyles(div, "icon");
      return div;
    },
  });

  // ---------------------------------------------------------------- one map
  function MapState(map, wrapper, config) {
    this.map = map;
    this.wrapper = wrapper;
    this.config = config;
    this.i18n = config.i18n || {};
    this.shift = !!(config.tiles && config.tiles.crs === "gcj02");
    this.meta = {};
    this.layers = {}; // name -> {markers: [], lines: L.FeatureGroup, features: []}
    this.visible = {};
    this.explicitView = false;
    this.cluster = null;
    var self = this;
    (config.layers || []).forEach(function (m) {
      self.meta[m.name] = m;
      self.visible[m.name] = true;
    });
    this.toLatLng = function (coords) {
      if (self.shift) {
        var g = wgs84ToGcj02(coords[0], coords[1]);
        return L.latLng(g[1], g[0]);
      }
      return L.latLng(coords[1], coords[0]);
    };
  }

  // WGS-84 [lon, lat] of a point on the (possibly GCJ-02) map.
  MapState.prototype.toLonLat = function (latlng) {
    return this.shift ? gcj02ToWgs84(latlng.lng, latlng.lat) : [latlng.lng, latlng.lat];
  };

  MapState.prototype.note = function (text) {
    var note = this.wrapper && this.wrapper.querySelector("[data-map-note]");
    this.noted = text || "";
    if (!note) return;
    note.textContent = text || "";
    note.hidden = !text;
  };

  MapState.prototype.addTiles = function () {
    var self = this;
    var tiles = (this.config.tiles && this.config.tiles.layers) || [];
    var loaded = 0;
    var failed = 0;
    var container = this.map.getContainer();
    function offline() {
      container.classList.add("map-tiles-off");
      self.note(self.i18n.tilesFailed);
      self.showBasemap(true); // the portal's own place names instead of a bare grid
    }
    tiles.forEach(function (t) {
      var options = L.Util.extend({ referrerPolicy: "strict-origin" }, t.options || {});
      var layer = L.tileLayer(t.url, options);
      layer.on("tileload", function () {
        loaded += 1;
        if (container.classList.contains("map-tiles-off")) {
          container.classList.remove("map-tiles-off");
          self.note("");
          self.showBasemap(false);
        }
      });
      layer.on("tileerror", function (e) {
        failed += 1;
        if (e.tile) e.tile.style.visibility = "hidden";
        if (!loaded && failed >= 2) offline();
      });
      layer.addTo(self.map);
    });
    if (!tiles.length) this.showBasemap(true);
    // Blocked hosts often never answer at all: say so rather than show an empty grey box.
    if (tiles.length) {
      root.setTimeout(function () {
        if (!loaded) offline();
      }, 8000);
    }
  };

  MapState.prototype.kindLabel = function (kind, meta) {
    var kinds = this.i18n.kinds || {};
    if (kind && kinds[kind]) return kinds[kind];
    if (kind && /[\u3400-\u9fff]/.test(kind)) return kind;
    return meta ? meta.label : "";
  };

  MapState.prototype.popup = function (p, meta) {
    var box = el("div", "map-popup");
    var thumb = safeUrl(p.thumbnail);
    if (thumb) {
      var img = el("img", "map-popup-img");
      img.src = thumb;
      img.alt = "";
      img.loading = "lazy";
      img.width = 240;
      img.height = 160;
      box.appendChild(img);
    }
    var kind = p.kind_label || this.kindLabel(p.kind, meta);
    if (kind) box.appendChild(el("p", "map-popup-kind", kind));
    var url = safeUrl(p.url);
    var title = el("p", "map-popup-title");
    if (url) {
      var a = el("a", null, p.name || url);
      a.href = url;
      title.appendChild(a);
    } else {
      title.textContent = p.name || "";
    }
    box.appendChild(title);
    if (p.meta) box.appendChild(el("p", "map-popup-meta", p.meta));
    if (p.summary) box.appendChild(el("p", "map-popup-summary", p.summary));
    if (typeof p.distance_km === "number") {
      box.appendChild(el("p", "map-popup-meta", fmt(this.i18n.distance, { km: p.distance_km.toFixed(1) })));
    }
    if (url) {
      var more = el("a", "map-popup-link", this.i18n.details || "→");
      more.href = url;
      box.appendChild(more);
    }
    return box;
  };

  // GeoJSON → {markers: [L.Marker], others: [L.Layer]} styled from each feature's properties.
  MapState.prototype.build = function (fc, meta) {
    var self = this;
    var colour = safeColour(meta && meta.colour, "#1f6f5c");
    var markers = [];
    var others = [];
    var gj = L.geoJSON(fc, {
      coordsToLatLng: this.toLatLng,
      style: function (f) {
        var p = (f && f.properties) || {};
        return { color: safeColour(p.colour, colour), weight: 5, opacity: 0.9, lineCap: "round", lineJoin: "round", className: "map-line" };
      },
      pointToLayer: function (f, latlng) {
        var p = f.properties || {};
        if (p.cluster === true) return self.clusterMarker(p, latlng);
        var numbered = p.number !== undefined && p.number !== null && p.number !== "";
        var icon = new PortalIcon({
          colour: safeColour(p.colour, colour),
          text: numbered ? String(p.number) : glyphFor(p.kind, meta, self.i18n.glyphs || {}),
          numbered: numbered,
          // the visible number is part of the accessible name ("3 塔尔寺"), as WCAG 2.5.3 asks
          label: numbered ? String(p.number) + " " + (p.name || "") : p.name || "",
        });
        return L.marker(latlng, { icon: icon, title: p.name || "", keyboard: true, riseOnHover: true });
      },
      onEachFeature: function (f, layer) {
        layer.portalKey = featureKey(f);
        if ((f.properties || {}).cluster === true) return;
        layer.bindPopup(
          function () {
            return self.popup(f.properties || {}, meta);
          },
          { maxWidth: 260, minWidth: 180, autoPanPadding: [16, 16] }
        );
      },
    });
    gj.eachLayer(function (layer) {
      (layer instanceof L.Marker ? markers : others).push(layer);
    });
    return { markers: markers, others: others };
  };

  // A cluster the server made (a layer loaded by view): the same bubble as Leaflet.markercluster's,
  // and like those, a tap or Enter zooms to the places it holds.
  MapState.prototype.clusterMarker = function (p, latlng) {
    var self = this;
    var map = this.map;
    var n = Math.max(0, parseInt(p.count, 10) || 0);
    var icon = new ClusterIcon({ text: String(n), unit: this.i18n.clusterUnit || "", label: fmt(this.i18n.clusterLabel || "", { count: n }) });
    var marker = L.marker(latlng, { icon: icon, keyboard: true, riseOnHover: true });
    var box = parseBbox(p.bbox);
    function zoomIn() {
      var bounds = box ? L.latLngBounds(self.toLatLng([box[0], box[1]]), self.toLatLng([box[2], box[3]])) : L.latLngBounds([latlng, latlng]);
      // at least one level closer, even for a cluster spread over the whole view
      var zoom = Math.min(Math.max(map.getBoundsZoom(bounds, false, L.point(48, 48)), map.getZoom() + 1), map.getMaxZoom());
      map.setView(bounds.getCenter(), zoom);
    }
    marker.on("click", zoomIn);
    marker.on("keypress", function (e) {
      if (!e.originalEvent || e.originalEvent.keyCode !== 13) return;
      zoomIn();
      // the bubble is replaced when the closer view loads: keep the keyboard on the map
      map.getContainer().focus();
    });
    return marker;
  };

  MapState.prototype.addInline = function () {
    var id = this.config.data;
    if (!id) return null;
    var node = document.getElementById(id);
    if (!node) return null;
    var fc = parseJSON(node.textContent, null);
    if (!fc) return null;
    var built = this.build(fc, { name: "inline", label: "", colour: "#c2410c" });
    var group = L.featureGroup(built.others.concat(built.markers));
    if (this.config.clusterInline && this.cluster) {
      // A list of results (the homestay index): its points cluster like the registry layers.
      L.featureGroup(built.others).addTo(this.map);
      this.cluster.addLayers(built.markers);
    } else {
      // The page's own places (a route's numbered stops) are never clustered and sit above the
      // clusters of the context layers, so a cluster badge never hides stop "3".
      built.markers.forEach(function (m) {
        // where two stops overlap, the earlier one (the start) stays on top
        var n = parseInt(((m.feature && m.feature.properties) || {}).number, 10);
        m.setZIndexOffset(INLINE_Z + (n > 0 && n < 100 ? (100 - n) * 1000 : 0));
      });
      group.addTo(this.map);
    }
    this.inline = group;
    return group;
  };

  // ---------------------------------------------------------------- markers that would hide each other
  // 桥头镇 and 老爷山 are 800 m apart: at the zoom that shows the whole route they share one spot,
  // and the stop underneath could not be tapped. Markers whose centres are closer than a tap target
  // are fanned out around their common centre, a thin leader line and a dot marking each true
  // position; zooming in brings them home. Only the icons move (their anchors), never the data.
  var TAP = 44;
  // A layer loaded by view is not clustered here: from its clusterBelow on, a village can bring
  // dozens of markers to one spot, more than a legible fan holds (its circle would leave the map).
  // Such a crowd stays where it is until a closer zoom parts it.
  var FAN_MAX = 12;

  // Icons are boxes: two are apart when their centres are a tap target apart along x or along y.
  function crowded(a, b) {
    return Math.max(Math.abs(a.x - b.x), Math.abs(a.y - b.y)) < TAP;
  }

  function stopNumber(m) {
    var n = parseInt(((m.feature && m.feature.properties) || {}).number, 10);
    return n > 0 ? n : 1000;
  }

  // A cluster bubble (L.MarkerCluster) is its own icon and delegates to the ClusterIcon it made.
  function iconOptions(m) {
    return m._iconObj ? m._iconObj.options : m.options.icon.options;
  }

  function setIconOffset(m, dx, dy) {
    var o = iconOptions(m);
    if (!o.home) o.home = { anchor: L.point(o.iconAnchor || [16, 16]), popup: L.point(o.popupAnchor || [0, 0]) };
    if ((o.dx || 0) === dx && (o.dy || 0) === dy) return;
    o.dx = dx;
    o.dy = dy;
    o.iconAnchor = [o.home.anchor.x - dx, o.home.anchor.y - dy];
    o.popupAnchor = [o.home.popup.x + dx, o.home.popup.y + dy];
    m.setIcon(m.options.icon);
  }

  // Where each group of crowded markers goes: evenly round a circle wide enough that no two are
  // crowded, each keeping its own direction from the centre (the route's order when they coincide
  // exactly); a pair lines up across or along the screen, the most compact way for two boxes.
  function fanOut(home, group, markers, pos, frame) {
    var n = group.length;
    var c = group
      .reduce(function (acc, i) {
        return acc.add(home[i]);
      }, L.point(0, 0))
      .divideBy(n);
    var members = group.map(function (i) {
      var d = home[i].subtract(c);
      return { i: i, a: d.x * d.x + d.y * d.y > 0.25 ? Math.atan2(d.y, d.x) : null, n: stopNumber(markers[i]) };
    });
    members.sort(function (a, b) {
      if (a.a === null || b.a === null) return a.a === null && b.a === null ? a.n - b.n : a.a === null ? 1 : -1;
      return a.a - b.a;
    });
    var start = members[0].a === null ? -Math.PI / 2 : members[0].a;
    if (n === 2) start = Math.round(start / (Math.PI / 2)) * (Math.PI / 2);
    var r = (TAP + 2) / 2 / Math.sin(Math.PI / n);
    for (var tries = 0; tries < 12; tries++, r *= 1.12) {
      var spots = members.map(function (m, k) {
        var a = start + (2 * Math.PI * k) / n;
        return c.add(L.point(Math.cos(a) * r, Math.sin(a) * r));
      });
      var ok = spots.every(function (p, k) {
        return spots.every(function (q, j) {
          return j <= k || !crowded(p, q);
        });
      });
      if (ok) break;
    }
    // keep the fan inside the map (clear of the attribution line), so no stop is pushed off it
    var lo = L.bounds(spots).min;
    var hi = L.bounds(spots).max;
    var shift = L.point(
      lo.x < frame.min.x ? frame.min.x - lo.x : hi.x > frame.max.x ? Math.max(frame.max.x - hi.x, frame.min.x - lo.x) : 0,
      lo.y < frame.min.y ? frame.min.y - lo.y : hi.y > frame.max.y ? Math.max(frame.max.y - hi.y, frame.min.y - lo.y) : 0
    );
    members.forEach(function (m, k) {
      pos[m.i] = spots[k].add(shift);
    });
  }

  MapState.prototype.declutter = function () {
    var map = this.map;
    if (!map._loaded) return;
    var markers = [];
    // the page's stops, the context markers standing alone and the cluster bubbles
    map.eachLayer(function (l) {
      if (!(l instanceof L.Marker) || !l.getElement()) return;
      if (l.options.icon instanceof PortalIcon || l.options.icon instanceof ClusterIcon || l._iconObj instanceof ClusterIcon) markers.push(l);
    });
    var home = markers.map(function (m) {
      return map.latLngToLayerPoint(m.getLatLng());
    });
    var pos = home.slice();
    var size = map.getSize();
    var credit = map.attributionControl ? map.attributionControl.getContainer().offsetHeight : 0;
    var frame = L.bounds(map.containerPointToLayerPoint([22, 22]), map.containerPointToLayerPoint([size.x - 22, size.y - Math.max(30, credit + 18)]));
    var parent = markers.map(function (m, i) {
      return i;
    });
    function find(i) {
      while (parent[i] !== i) i = parent[i] = parent[parent[i]];
      return i;
    }
    // Merge crowded markers into groups, lay each group out, and repeat while a fanned group
    // now crowds another marker.
    for (var round = 0; round < 8; round++) {
      var merged = false;
      for (var i = 0; i < pos.length; i++) {
        for (var j = i + 1; j < pos.length; j++) {
          if (find(i) !== find(j) && crowded(pos[i], pos[j])) {
            parent[find(i)] = find(j);
            merged = true;
          }
        }
      }
      if (!merged) break;
      var groups = {};
      markers.forEach(function (m, k) {
        (groups[find(k)] = groups[find(k)] || []).push(k);
      });
      Object.keys(groups).forEach(function (key) {
        var group = groups[key];
        var crowd = group.length > FAN_MAX && group.some(function (k) {
          return markers[k].portalByView;
        });
        if (group.length > 1 && !crowd) fanOut(home, group, markers, pos, frame);
      });
    }

    var previous = this.fanned || [];
    var fanned = [];
    if (!this.leaders) this.leaders = L.layerGroup().addTo(map);
    this.leaders.clearLayers();
    var self = this;
    markers.forEach(function (m, k) {
      var d = pos[k].subtract(home[k]);
      var dx = Math.round(d.x);
      var dy = Math.round(d.y);
      setIconOffset(m, dx, dy);
      if (!dx && !dy) return;
      fanned.push(m);
      var colour = iconOptions(m).colour || "#334155";
      var at = m.getLatLng();
      var shown = map.layerPointToLatLng(pos[k]);
      self.leaders.addLayer(L.polyline([at, shown], { color: colour, weight: 2, opacity: 0.9, interactive: false, className: "map-leader" }));
      self.leaders.addLayer(L.circleMarker(at, { radius: 4, color: "#fff", weight: 2, fillColor: colour, fillOpacity: 1, interactive: false, className: "map-leader-dot" }));
    });
    previous.forEach(function (m) {
      if (fanned.indexOf(m) === -1 && iconOptions(m).home) setIconOffset(m, 0, 0);
    });
    this.fanned = fanned;
    this.placeLabels();
  };

  // ---------------------------------------------------------------- the offline basemap
  // Tiles often fail in China (blocked hosts) or in a valley without signal. The portal ships its
  // own place names (portal/static/portal/basemap/, built by scripts/build_basemap.py) and draws
  // them under the data, so a route still sits among named towns instead of on a bare grid.
  var BASEMAP_PANE = "portalBasemap";

  MapState.prototype.showBasemap = function (on) {
    var cfg = this.config.basemap;
    var map = this.map;
    var self = this;
    this.wantBasemap = !!on;
    if (!cfg || !safeUrl(cfg.url)) return;
    var attribution = map.attributionControl;
    if (!on) {
      if (this.basemap && map.hasLayer(this.basemap)) {
        map.removeLayer(this.basemap);
        if (attribution && cfg.attribution) attribution.removeAttribution(cfg.attribution);
      }
      return;
    }
    if (this.basemap) {
      if (!map.hasLayer(this.basemap)) {
        this.basemap.addTo(map);
        if (attribution && cfg.attribution) attribution.addAttribution(cfg.attribution);
        this.placeLabels();
      }
      return;
    }
    if (this.basemapLoading || typeof root.fetch !== "function") return;
    this.basemapLoading = root
      .fetch(cfg.url, { credentials: "same-origin", headers: { Accept: "application/geo+json, application/json" } })
      .then(function (r) {
        if (!r.ok) throw new Error(String(r.status));
        return r.json();
      })
      .then(function (fc) {
        if (!map.getPane(BASEMAP_PANE)) {
          var pane = map.createPane(BASEMAP_PANE);
          pane.style.zIndex = 250; // above the (failed) tiles, under lines and markers
          pane.style.pointerEvents = "none";
        }
        var english = cfg.lang === "en";
        var group = L.layerGroup();
        (fc.features || []).forEach(function (f) {
          var p = f.properties || {};
          var c = f.geometry && f.geometry.coordinates;
          if (!c || !p.name) return;
          var icon = new LabelIcon({
            kind: /^(city|county|district|town|village|sight)$/.test(p.kind) ? p.kind : "town",
            text: english && p.name_en ? p.name_en : p.name,
            sub: english && p.name_en ? p.name : "",
          });
          var label = L.marker(self.toLatLng(c), { icon: icon, pane: BASEMAP_PANE, interactive: false, keyboard: false });
          label.rank = typeof p.rank === "number" ? p.rank : 3;
          group.addLayer(label);
        });
        self.basemap = group;
        self.basemapLoading = null;
        if (self.wantBasemap) self.showBasemap(true);
        return group;
      })
      .catch(function () {
        self.basemapLoading = null; // the note already says the background could not load
      });
  };

  // Each label goes to the first side of its place (right, left, below, above …) where it covers
  // no marker and no label of higher rank; a label with no free side is left out at this zoom.
  var LABEL_SIDES = {
    city: ["above", "below"],
    county: ["above", "below"],
    // then clear of a stop's badge drawn on the same place
    other: ["right", "left", "below", "above", "right-far", "left-far", "below-far", "above-far"],
  };

  // Markers slide (CSS transitions) while the clusters animate: measure only once they are still.
  MapState.prototype.placeLabels = function () {
    var map = this.map;
    var self = this;
    if (!this.basemap || !map.hasLayer(this.basemap)) return;
    var container = map.getContainer();
    var moving = [];
    container.querySelectorAll(".leaflet-marker-pane > .leaflet-marker-icon").forEach(function (node) {
      if (typeof node.getAnimations !== "function") return;
      moving = moving.concat(
        node.getAnimations().filter(function (a) {
          return !a.effect || a.effect.getComputedTiming().endTime !== Infinity;
        })
      );
    });
    if (moving.length || map.getPane("mapPane").classList.contains("leaflet-cluster-anim")) {
      var turn = (this.labelTurn = (this.labelTurn || 0) + 1);
      Promise.all(
        moving.map(function (a) {
          return a.finished.catch(function () {}); // a cancelled transition ends the wait too
        })
      ).then(function () {
        root.setTimeout(function () {
          if (turn === self.labelTurn) self.placeLabels(); // only the latest request places
        }, 50);
      });
      return;
    }
    var taken = [];
    var GAP = 2; // a little air between a name and a badge
    container.querySelectorAll(".leaflet-marker-pane > .leaflet-marker-icon, .portal-cluster-label").forEach(function (node) {
      var r = node.getBoundingClientRect();
      taken.push({ left: r.left - GAP, right: r.right + GAP, top: r.top - GAP, bottom: r.bottom + GAP });
    });
    var frame = container.getBoundingClientRect();
    function free(r) {
      if (r.left < frame.left || r.right > frame.right || r.top < frame.top || r.bottom > frame.bottom) return false;
      return !taken.some(function (t) {
        return r.left < t.right && t.left < r.right && r.top < t.bottom && t.top < r.bottom;
      });
    }
    var labels = this.basemap.getLayers().slice();
    labels.sort(function (a, b) {
      return a.rank - b.rank;
    });
    labels.forEach(function (label) {
      var node = label.getElement();
      if (!node) return;
      var text = node.querySelector(".basemap-text");
      var kind = label.options.icon.options.kind;
      var sides = LABEL_SIDES[kind] || LABEL_SIDES.other;
      node.classList.remove("basemap-label--hidden");
      var placed = sides.some(function (side) {
        node.setAttribute("data-side", side);
        var r = text.getBoundingClientRect();
        if (!free(r)) return false;
        taken.push(r);
        return true;
      });
      if (!placed) node.classList.add("basemap-label--hidden");
    });
  };

  // The layer's URL: the API's (which may carry ?lang=en), then `query`, then the map's own filters
  // (config.query, e.g. an index page's county and grade), which every request of the map carries.
  MapState.prototype.layerUrl = function (name, query) {
    var base = this.config.api.replace("__layer__", encodeURIComponent(name));
    var extra = [query, this.config.query]
      .map(function (q) {
        return String(q || "").replace(/^[?&]+/, "");
      })
      .filter(Boolean)
      .join("&");
    if (!extra) return base;
    return base + (base.indexOf("?") >= 0 ? "&" : "?") + extra;
  };

  // ---------------------------------------------------------------- layers loaded by view
  // A server that can answer by view says so with each layer's clusterBelow (portal.layers.
  // layer_info). Then a layer is asked for with ?view=W,S,E,N&zoom=Z, and its answer says whether
  // it holds the whole layer ("complete": true — a small layer, drawn once and clustered here, as
  // without views) or only that view, with the points that would overlap merged by the server
  // into clusters below clusterBelow ("complete": false). Such a layer is asked again whenever
  // the map leaves what was loaded, and its markers go on the map directly: they are clustered
  // already.
  var MAX_ZOOM = 20; // the API's
  var RELOAD_DELAY = 250; // ms of rest after a move before a layer is asked for the new view

  function clusterBelow(meta) {
    return meta && typeof meta.clusterBelow === "number" ? meta.clusterBelow : 14;
  }

  // The map's view in WGS-84, widened to a grid of half a tile at its zoom: views close to each
  // other ask for the same URL (one answer for browsers and Varnish to keep), and a small pan
  // stays inside what was loaded.
  MapState.prototype.currentView = function () {
    var zoom = Math.max(0, Math.min(MAX_ZOOM, Math.round(this.map.getZoom())));
    var bounds = this.map.getBounds();
    var sw = this.toLonLat(bounds.getSouthWest());
    var ne = this.toLonLat(bounds.getNorthEast());
    var step = 180 / Math.pow(2, zoom);
    function snap(v, round, limit) {
      return Math.max(-limit, Math.min(limit, round(v / step) * step));
    }
    var box = [snap(sw[0], Math.floor, 180), snap(sw[1], Math.floor, 90), snap(ne[0], Math.ceil, 180), snap(ne[1], Math.ceil, 90)];
    var text = box.map(function (v) {
      return String(+v.toFixed(5));
    });
    return { zoom: zoom, box: box, seen: [sw[0], sw[1], ne[0], ne[1]], query: "view=" + text.join(",") + "&zoom=" + zoom };
  };

  // Whether an answer for `have` has everything the map shows in `view`.
  function covers(have, view) {
    if (!have || !view || have.zoom !== view.zoom) return false;
    return have.box[0] <= view.seen[0] && have.box[1] <= view.seen[1] && have.box[2] >= view.seen[2] && have.box[3] >= view.seen[3];
  }

  MapState.prototype.loadLayer = function (meta) {
    var entry = {
      markers: [],
      lines: L.featureGroup(),
      features: [],
      loaded: false,
      complete: null, // unknown until the first answer
      group: L.layerGroup(), // the markers of a layer loaded by view
      extent: null, // the whole layer's bounds, from such a layer's answers
      shown: null, // the view whose answer is drawn
      pending: null, // {view, promise, controller} of the request under way
      seq: 0, // which request may still draw: answers of older ones are dropped
    };
    this.layers[meta.name] = entry;
    if (!meta.registered || typeof root.fetch !== "function") return Promise.resolve(entry);
    var byView = typeof meta.clusterBelow === "number" && this.map._loaded;
    return this.fetchLayer(meta, byView ? this.currentView() : null);
  };

  // Forget the request under way (its answer, if it still comes, is not drawn).
  MapState.prototype.cancel = function (entry) {
    entry.seq += 1;
    if (entry.pending && entry.pending.controller) entry.pending.controller.abort();
    entry.pending = null;
  };

  // Ask for a layer (for `view`, or the whole layer), draw the answer unless a newer request was
  // made meanwhile; resolves with the entry either way, never rejects.
  MapState.prototype.fetchLayer = function (meta, view) {
    var self = this;
    var entry = this.layers[meta.name];
    this.cancel(entry);
    var seq = entry.seq;
    var controller = typeof root.AbortController === "function" ? new root.AbortController() : null;
    var options = { credentials: "same-origin", headers: { Accept: "application/geo+json, application/json" } };
    if (controller) options.signal = controller.signal;
    var failed = fmt(this.i18n.loadFailed, { layer: meta.label });
    function read(r) {
      if (!r.ok) throw new Error(String(r.status));
      return r.json();
    }
    var promise = root
      .fetch(this.layerUrl(meta.name, view ? view.query : ""), options)
      .then(read, function (error) {
        // Offline, a view's URL is in no cache, but an offline pack keeps the whole layer under
        // its plain URL: draw that, without going to the network for a layer that may be big.
        if (!view || seq !== entry.seq) throw error;
        view = null;
        var cached = L.Util.extend({}, options, { cache: "only-if-cached", mode: "same-origin", signal: undefined });
        return root.fetch(self.layerUrl(meta.name), cached).then(read);
      })
      .then(function (fc) {
        if (seq !== entry.seq) return entry;
        entry.pending = null;
        if (self.noted === failed) self.note(""); // an earlier view of this layer failed
        self.draw(meta, fc || {}, view);
        return entry;
      })
      .catch(function () {
        if (seq !== entry.seq) return entry; // cancelled: not a failure
        entry.pending = null;
        self.note(failed);
        return entry;
      });
    entry.pending = { view: view, promise: promise, controller: controller };
    return promise;
  };

  // Draw an answer: a complete one as before views existed (into the clusters, once); a view's in
  // place of the previous view's, keeping the markers both hold.
  MapState.prototype.draw = function (meta, fc, view) {
    var entry = this.layers[meta.name];
    var features = fc.features || [];
    var complete = !view || fc.complete !== false;
    var built;
    if (complete) {
      this.detach(entry);
      built = this.build(fc, meta);
      entry.markers = built.markers;
      built.others.forEach(function (l) {
        entry.lines.addLayer(l);
      });
      entry.shown = null;
    } else {
      var box = parseBbox(fc.bbox);
      entry.extent = box ? L.latLngBounds(this.toLatLng([box[0], box[1]]), this.toLatLng([box[2], box[3]])) : null;
      var old = {};
      var gone = [];
      entry.markers.concat(entry.lines.getLayers()).forEach(function (l) {
        if (old[l.portalKey]) gone.push(old[l.portalKey]); // twins: one is kept at most
        old[l.portalKey] = l;
      });
      var markers = [];
      var fresh = [];
      features.forEach(function (f) {
        var key = featureKey(f);
        var kept = old[key];
        if (!kept) return fresh.push(f);
        delete old[key];
        if (kept instanceof L.Marker) markers.push(kept);
      });
      Object.keys(old).forEach(function (key) {
        gone.push(old[key]);
      });
      gone.forEach(function (l) {
        entry.group.removeLayer(l);
        entry.lines.removeLayer(l);
      });
      built = this.build({ type: "FeatureCollection", features: fresh }, meta);
      built.markers.forEach(function (m) {
        m.portalByView = true; // see FAN_MAX
        entry.group.addLayer(m);
      });
      built.others.forEach(function (l) {
        entry.lines.addLayer(l);
      });
      entry.markers = markers.concat(built.markers);
      entry.shown = view;
    }
    entry.complete = complete;
    entry.features = features;
    entry.loaded = true;
    this.show(meta.name, this.visible[meta.name]); // and ask again if the map moved meanwhile
    this.wrapper.dispatchEvent(
      new CustomEvent("portalmap:loaded", {
        detail: { name: meta.name, complete: complete, count: features.length, zoom: view ? view.zoom : null, view: view ? view.box.slice() : null },
      })
    );
  };

  // Take a layer's markers and lines off the map (a complete answer replaces everything).
  MapState.prototype.detach = function (entry) {
    var map = this.map;
    if (this.cluster && entry.markers.length) this.cluster.removeLayers(entry.markers);
    entry.markers.forEach(function (m) {
      map.removeLayer(m);
    });
    entry.group.clearLayers();
    entry.lines.clearLayers();
    entry.markers = [];
  };

  // Bring a layer loaded by view up to the map's view: nothing while what is loaded, or loading,
  // covers it; otherwise ask for the new view (dropping an older request). Resolves once the
  // layer shows the view.
  MapState.prototype.refreshLayer = function (name) {
    var entry = this.layers[name];
    if (!entry || entry.complete !== false || !this.visible[name] || !this.map._loaded) return Promise.resolve(entry);
    var view = this.currentView();
    if (entry.pending && covers(entry.pending.view, view)) return entry.pending.promise;
    if (covers(entry.shown, view)) {
      if (entry.pending) this.cancel(entry);
      return Promise.resolve(entry);
    }
    return this.fetchLayer(this.meta[name], view);
  };

  MapState.prototype.refresh = function () {
    var self = this;
    return Promise.all(
      Object.keys(this.layers).map(function (name) {
        return self.refreshLayer(name);
      })
    );
  };

  // Moves come in bursts (a drag, a pinch, "+" tapped twice): ask once the map has come to rest.
  MapState.prototype.scheduleRefresh = function () {
    var self = this;
    root.clearTimeout(this.refreshTimer);
    this.refreshTimer = root.setTimeout(function () {
      self.refresh();
    }, RELOAD_DELAY);
  };

  // Show or hide a registry layer; remembered for layers still loading.
  MapState.prototype.show = function (name, on) {
    this.visible[name] = !!on;
    var entry = this.layers[name];
    if (!entry) return;
    var map = this.map;
    var byView = entry.complete === false;
    if (on) {
      if (!map.hasLayer(entry.lines)) entry.lines.addTo(map);
      if (byView) entry.group.addTo(map);
      else if (this.cluster) this.cluster.addLayers(entry.markers);
      else entry.markers.forEach(function (m) { m.addTo(map); });
    } else {
      map.removeLayer(entry.lines);
      if (byView) map.removeLayer(entry.group);
      else if (this.cluster) this.cluster.removeLayers(entry.markers);
      else entry.markers.forEach(function (m) { map.removeLayer(m); });
    }
    this.wrapper.dispatchEvent(new CustomEvent("portalmap:layer", { detail: { name: name, visible: !!on } }));
    // a layer hidden while the map moved still shows an older view
    if (on) this.refreshLayer(name);
  };

  // What the first view fits: the complete layers' own places, and the whole extent of the layers
  // loaded by view (whose markers are only those of the view they were asked for).
  MapState.prototype.layerBounds = function () {
    var bounds = L.latLngBounds([]);
    var self = this;
    Object.keys(this.layers).forEach(function (name) {
      if (!self.visible[name]) return;
      var entry = self.layers[name];
      if (entry.complete === false) {
        if (entry.extent && entry.extent.isValid()) bounds.extend(entry.extent);
        return;
      }
      if (entry.lines.getLayers().length) bounds.extend(entry.lines.getBounds());
      entry.markers.forEach(function (m) {
        bounds.extend(m.getLatLng());
      });
    });
    return bounds;
  };

  // The first view is set without animation: nothing to animate from, and a visitor (or a test)
  // acting right after "ready" would otherwise be ignored by Leaflet until the animation ends.
  // `padding` leaves room for markers fanned out around a stop near the edge (see declutter).
  MapState.prototype.fit = function (bounds, padding) {
    if (bounds && bounds.isValid()) this.map.fitBounds(bounds, { padding: padding || [24, 24], maxZoom: 14, animate: false });
  };

  // The loaded marker or line of a layer's feature with this URL.
  MapState.prototype.find = function (name, url) {
    var entry = this.layers[name];
    var found = null;
    if (!entry) return null;
    entry.markers.concat(entry.lines.getLayers()).forEach(function (l) {
      if (!found && l.feature && l.feature.properties && l.feature.properties.url === url) found = l;
    });
    return found;
  };

  // Pan to a feature of a layer and open its popup (used by lists next to the map). `lonlat`
  // (WGS-84 [lon, lat]) is where to look for a point of a layer loaded by view that is not among
  // the loaded markers (out of the view, or inside a cluster).
  MapState.prototype.reveal = function (name, url, lonlat) {
    var entry = this.layers[name];
    if (!entry) return;
    var self = this;
    var map = this.map;
    var found = this.find(name, url);
    var given = !!lonlat && typeof lonlat[0] === "number" && typeof lonlat[1] === "number" && Math.abs(lonlat[0]) <= 180 && Math.abs(lonlat[1]) <= 90;
    var line = !!found && !(found instanceof L.Marker); // lines are never clustered: shown as below
    if (entry.complete === false && !line) {
      var where = found ? found.getLatLng() : given ? this.toLatLng(lonlat) : null;
      if (!where) return;
      // close enough that the server sends the point itself, not a cluster holding it; the
      // popup opens on the marker of the view loaded there
      map.setView(where, Math.min(Math.max(map.getZoom(), clusterBelow(this.meta[name]), 13), map.getMaxZoom()), { animate: false });
      this.refreshLayer(name).then(function () {
        var marker = self.find(name, url);
        if (marker && map.hasLayer(marker)) marker.openPopup();
      });
    } else if (found instanceof L.Marker) {
      if (this.cluster && this.cluster.hasLayer(found)) {
        this.cluster.zoomToShowLayer(found, function () {
          found.openPopup();
        });
      } else {
        map.setView(found.getLatLng(), Math.max(map.getZoom(), 13));
        found.openPopup();
      }
    } else if (found) {
      map.fitBounds(found.getBounds(), { padding: [24, 24] });
      found.openPopup();
    } else {
      return;
    }
    map.getContainer().scrollIntoView({ block: "nearest", behavior: "smooth" });
  };

  function setup(map) {
    var container = map.getContainer();
    var wrapper = container.closest("[data-portal-map]") || container.parentNode;
    var config = parseJSON(wrapper.getAttribute("data-config") || "{}", {});
    config.api = config.api || "/api/geo/__layer__.geojson";
    var state = new MapState(map, wrapper, config);
    PortalMap.maps[container.id] = state;

    state.addTiles();
    if ((config.cluster || config.clusterInline) && typeof L.markerClusterGroup === "function") {
      state.cluster = L.markerClusterGroup({
        showCoverageOnHover: false,
        maxClusterRadius: 50,
        disableClusteringAtZoom: 15,
        iconCreateFunction: function (c) {
          var n = c.getChildCount();
          return new ClusterIcon({ text: String(n), unit: state.i18n.clusterUnit || "", label: fmt(state.i18n.clusterLabel || "", { count: n }) });
        },
      });
      state.cluster.addTo(map);
      // after the clusters have redrawn for the new view (their handlers were registered first)
      state.cluster.on("animationend", function () {
        state.declutter();
      });
    }
    map.on("moveend", function () {
      state.declutter();
      state.scheduleRefresh();
    });
    // a new move (the next step of a zoom, a drag) ends in a moveend of its own
    map.on("movestart", function () {
      root.clearTimeout(state.refreshTimer);
    });
    wrapper.addEventListener("portalmap:layer", function () {
      state.declutter();
    });
    var inline = state.addInline();

    var page = document.querySelector('[data-map-page="' + container.id + '"]');
    if (page) initMapPage(state, page);

    if (inline && inline.getLayers().length && !state.explicitView) state.fit(inline.getBounds(), [TAP, TAP]);
    var loads = (config.layers || []).map(function (meta) {
      return state.loadLayer(meta);
    });
    state.ready = Promise.all(loads)
      .then(function () {
        if (!state.explicitView && !(inline && inline.getLayers().length)) state.fit(state.layerBounds());
        // the fitted view of the layers loaded by view, at once rather than after the moveend's
        // delay, so that "ready" means the map shows it
        return state.refresh();
      })
      .then(function () {
        state.declutter();
        wrapper.dispatchEvent(new CustomEvent("portalmap:ready", { detail: { state: state } }));
        return state;
      });
    return state;
  }

  // ---------------------------------------------------------------- the map page (/map/)
  function readHash() {
    var params = new URLSearchParams(root.location.hash.replace(/^#/, ""));
    var view = null;
    var m = /^(\d{1,2})\/(-?\d+(?:\.\d+)?)\/(-?\d+(?:\.\d+)?)$/.exec(params.get("map") || "");
    if (m) {
      var z = parseInt(m[1], 10);
      var lat = parseFloat(m[2]);
      var lon = parseFloat(m[3]);
      if (z >= 1 && z <= 20 && Math.abs(lat) <= 90 && Math.abs(lon) <= 180) view = { zoom: z, lat: lat, lon: lon };
    }
    var layers = params.has("layers") ? params.get("layers").split(",").filter(Boolean) : null;
    return { view: view, layers: layers };
  }

  function initMapPage(state, page) {
    var map = state.map;
    var i18n = state.i18n;
    var toggles = Array.prototype.slice.call(page.querySelectorAll("[data-layer-toggle]"));
    var ready = false;

    function writeHash() {
      if (!ready || !root.history || !root.history.replaceState) return;
      var c = state.toLonLat(map.getCenter());
      var on = toggles.filter(function (t) { return t.checked; }).map(function (t) { return t.value; });
      var hash = "#map=" + map.getZoom() + "/" + c[1].toFixed(5) + "/" + c[0].toFixed(5) + "&layers=" + on.join(",");
      if (root.location.hash !== hash) root.history.replaceState(null, "", hash);
    }

    function applyToggle(t) {
      state.show(t.value, t.checked);
      document.querySelectorAll('[data-layer-list="' + t.value + '"]').forEach(function (g) {
        g.hidden = !t.checked;
      });
    }

    function applyHash() {
      var h = readHash();
      if (h.layers) {
        toggles.forEach(function (t) {
          t.checked = h.layers.indexOf(t.value) !== -1;
          applyToggle(t);
        });
      }
      if (h.view) {
        state.explicitView = true;
        var shifted = state.toLatLng([h.view.lon, h.view.lat]);
        map.setView(shifted, h.view.zoom);
      }
    }

    toggles.forEach(function (t) {
      state.visible[t.value] = t.checked;
      t.addEventListener("change", function () {
        applyToggle(t);
        writeHash();
      });
    });
    applyHash();
    root.addEventListener("hashchange", applyHash);
    map.on("moveend", writeHash);
    // Start writing the URL once the first fit is done, so a shared link reproduces what was seen.
    root.setTimeout(function () {
      (state.ready || Promise.resolve()).then(function () {
        ready = true;
        writeHash();
      });
    }, 0);

    // "Show on map" buttons in the list view (hidden until this script can serve them) and the near-me results
    document.querySelectorAll("[data-show-on-map][hidden]").forEach(function (b) {
      b.hidden = false;
    });
    document.addEventListener("click", function (e) {
      var btn = e.target.closest && e.target.closest("[data-show-on-map]");
      if (!btn) return;
      e.preventDefault();
      // where the place is, for a layer loaded by view that may not hold it yet
      var at = [parseFloat(btn.getAttribute("data-lon")), parseFloat(btn.getAttribute("data-lat"))];
      state.reveal(btn.getAttribute("data-layer"), btn.getAttribute("data-show-on-map"), at);
    });

    initNearMe(state, page, toggles, i18n);
  }

  function initNearMe(state, page, toggles, i18n) {
    var map = state.map;
    var meBtn = page.querySelector("[data-near-me]");
    var centreBtn = page.querySelector("[data-near-centre]");
    var kmSelect = page.querySelector("[data-near-km]");
    var status = page.querySelector("[data-near-status]");
    var results = page.querySelector("[data-near-results]");
    var here = null;

    function say(text) {
      if (status) status.textContent = text || "";
    }

    function search(lon, lat, label) {
      var km = parseFloat(kmSelect && kmSelect.value) || 10;
      var names = toggles
        .filter(function (t) { return t.checked && state.meta[t.value] && state.meta[t.value].registered; })
        .map(function (t) { return t.value; });
      if (results) results.textContent = "";
      if (!names.length) {
        say(i18n.nearNoLayers);
        return;
      }
      say(i18n.nearSearching);
      if (here) map.removeLayer(here);
      var centre = state.toLatLng([lon, lat]);
      here = L.featureGroup([
        L.circle(centre, { radius: km * 1000, color: "#c2410c", weight: 1, fillOpacity: 0.04, interactive: false }),
        L.circleMarker(centre, { radius: 8, color: "#fff", weight: 3, fillColor: "#c2410c", fillOpacity: 1 }).bindTooltip(label),
      ]).addTo(map);
      map.fitBounds(here.getBounds(), { padding: [16, 16] });
      var query = "?near=" + lon.toFixed(6) + "," + lat.toFixed(6) + "&km=" + km;
      Promise.all(
        names.map(function (name) {
          return root
            .fetch(state.layerUrl(name, query), { credentials: "same-origin" })
            .then(function (r) { return r.ok ? r.json() : { features: [] }; })
            .then(function (fc) {
              return (fc.features || []).map(function (f) {
                var g = f.geometry || {};
                return { layer: name, props: f.properties || {}, at: g.type === "Point" ? g.coordinates : null };
              });
            })
            .catch(function () { return []; });
        })
      ).then(function (lists) {
        // Grouped by kind in the page's stated order (data-near-order: homestays first), nearest
        // first within a group, at most data-near-per-group each: a homestay 18 km away is not
        // buried under the stations and product origins that happen to be nearer.
        var order = (results.getAttribute("data-near-order") || "").split(",");
        var perGroup = parseInt(results.getAttribute("data-near-per-group"), 10) || 50;
        function rank(layer) {
          var i = order.indexOf(layer);
          return i === -1 ? order.length : i;
        }
        var all = [].concat.apply([], lists).sort(function (a, b) {
          return rank(a.layer) - rank(b.layer) || (a.props.distance_km || 0) - (b.props.distance_km || 0);
        });
        if (!all.length) {
          say(fmt(i18n.nearNone, { km: km }));
          return;
        }
        say(fmt(i18n.nearFound, { count: all.length, km: km }));
        var counts = {};
        all.forEach(function (item) { counts[item.layer] = (counts[item.layer] || 0) + 1; });
        var shown = {};
        all.forEach(function (item) {
          if ((shown[item.layer] = (shown[item.layer] || 0) + 1) > perGroup) return;
          if (shown[item.layer] === 1) {
            var title = el("li", "near-group-title", ((state.meta[item.layer] || {}).label || item.layer) + " (" + counts[item.layer] + ")");
            title.setAttribute("data-near-group", item.layer);
            results.appendChild(title);
          }
          var p = item.props;
          var li = el("li", "near-item");
          li.setAttribute("data-layer", item.layer);
          li.setAttribute("data-distance-km", (p.distance_km || 0).toFixed(1));
          var url = safeUrl(p.url);
          var name = url ? el("a", "near-name", p.name || url) : el("span", "near-name", p.name || "");
          if (url) name.href = url;
          li.appendChild(name);
          var meta = (state.meta[item.layer] || {}).label || item.layer;
          li.appendChild(el("span", "near-meta", meta + " · " + fmt(i18n.distance, { km: (p.distance_km || 0).toFixed(1) })));
          if (url) {
            var show = el("button", "near-show", results.getAttribute("data-show-label") || "→");
            show.type = "button";
            show.setAttribute("data-show-on-map", url);
            show.setAttribute("data-layer", item.layer);
            if (item.at) {
              show.setAttribute("data-lon", String(item.at[0]));
              show.setAttribute("data-lat", String(item.at[1]));
            }
            li.appendChild(show);
          }
          results.appendChild(li);
        });
      });
    }

    function useCentre() {
      var c = state.toLonLat(state.map.getCenter());
      search(c[0], c[1], i18n.centre);
    }

    if (centreBtn) centreBtn.addEventListener("click", useCentre);
    if (meBtn) {
      meBtn.addEventListener("click", function () {
        if (!root.navigator.geolocation) {
          say(i18n.nearUnsupported);
          if (centreBtn) centreBtn.focus();
          return;
        }
        say(i18n.nearLocating);
        root.navigator.geolocation.getCurrentPosition(
          function (pos) {
            // Browsers report WGS-84, like our data.
            search(pos.coords.longitude, pos.coords.latitude, i18n.you);
          },
          function (err) {
            say(err && err.code === 1 ? i18n.nearDenied : i18n.nearUnavailable);
            if (centreBtn) centreBtn.focus();
          },
          { enableHighAccuracy: false, timeout: 10000, maximumAge: 300000 }
        );
      });
    }
  }

  // ---------------------------------------------------------------- boot
  // Replaces the inline script django-leaflet would write (see templates/leaflet/_leaflet_map.html).
  function resolveCallback(name) {
    if (!name) return null;
    var fn = name.split(".").reduce(function (obj, key) {
      return obj && Object.prototype.hasOwnProperty.call(obj, key) ? obj[key] : undefined;
    }, root);
    return typeof fn === "function" ? fn : null;
  }

  function boot(node) {
    if (node.getAttribute("data-leaflet-booted")) return;
    node.setAttribute("data-leaflet-booted", "1");
    var id = node.getAttribute("data-leaflet-for") || node.id;
    var djoptions = parseJSON(node.getAttribute("data-djoptions"), null);
    if (!id || !djoptions) return;
    var loadevents = parseJSON(node.getAttribute("data-loadevents") || "[]", []);
    var callback = resolveCallback(node.getAttribute("data-callback"));
    function loadmap() {
      if (document.getElementById(id)._leaflet_id) return;
      L.Map.djangoMap(id, { djoptions: djoptions, initfunc: loadmap, globals: false, callback: callback });
    }
    if (!loadevents.length || document.readyState === "complete") loadmap();
    else loadevents.forEach(function (ev) { root.addEventListener(ev, loadmap, { once: true }); });
  }

  PortalMap.setup = setup;
  PortalMap.boot = function () {
    document.querySelectorAll("[data-leaflet-map]").forEach(boot);
  };
  root.PortalMap = PortalMap;

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", PortalMap.boot);
  else PortalMap.boot();
})(typeof window !== "undefined" ? window : globalThis);
