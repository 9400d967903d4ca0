/* Offline packs on the visitor's side: registers the service worker (portal/templates/portal/sw.js)
 * on every page, downloads a page's pack where the page offers one ([data-offline-pack]) and lists
 * the packs this browser holds on 我的离线线路 ([data-offline-list]).
 *
 * A pack is one Cache Storage cache, "portal-pack-<key>@<version>", holding the documents and
 * files the server's manifest lists (portal.offline.pack_manifest) and the map tiles of the
 * route's corridor; its description (title, size, date, version, addresses) is one JSON entry in
 * the "portal-packs" cache, which the worker reads too. An update downloads the new version
 * beside the old one and removes the old one only once the new one is complete.
 */
(function () {
  "use strict";

  var INDEX = "portal-packs";
  var PACK_PREFIX = "portal-pack-";
  var PARALLEL = 4;
  var supported = "serviceWorker" in navigator && "caches" in window && typeof fetch === "function";

  if (supported) {
    window.addEventListener("load", function () {
      navigator.serviceWorker.register("/sw.js", { scope: "/" }).catch(function () {});
    });
  }

  function strings(node) {
    try {
      return JSON.parse(node.getAttribute("data-strings") || "{}");
    } catch (e) {
      return {};
    }
  }

  function fmt(template, values) {
    return String(template || "").replace(/%\((\w+)\)s/g, function (m, k) {
      return values[k] === undefined ? m : values[k];
    });
  }

  function megabytes(bytes) {
    var mb = bytes / 1e6;
    return (mb >= 10 ? mb.toFixed(0) : mb >= 0.1 ? mb.toFixed(1) : "0.1") + " MB";
  }

  function entryUrl(key) {
    return "/offline/packs/" + encodeURIComponent(key) + ".json";
  }

  function readPack(key) {
    return caches
      .open(INDEX)
      .then(function (index) {
        return index.match(entryUrl(key));
      })
      .then(function (r) {
        return r ? r.json() : null;
      });
  }

  function allPacks() {
    return caches.open(INDEX).then(function (index) {
      return index.keys().then(function (keys) {
        return Promise.all(
          keys.map(function (k) {
            return index.match(k).then(function (r) {
              return r.json();
            });
          })
        );
      });
    });
  }

  function removePack(meta, keepCache) {
    return caches
      .keys()
      .then(function (names) {
        return Promise.all(
          names
            .filter(function (n) {
              return n.indexOf(PACK_PREFIX + meta.key + "@") === 0 && n !== keepCache;
            })
            .map(function (n) {
              return caches.delete(n);
            })
        );
      })
      .then(function () {
        if (keepCache) return null;
        return caches.open(INDEX).then(function (index) {
          return index.delete(entryUrl(meta.key));
        });
      });
  }

  // ---------------------------------------------------------------- the manifest and the estimate

  // The tile URLs of the corridor, written as Leaflet writes them for the same tile ({s} chosen
  // from x + y), so the map's own requests find them.
  function tileUrls(tiles) {
    var urls = [];
    if (!tiles || !tiles.source) return urls;
    tiles.source.layers.forEach(function (layer) {
      var subdomains = layer.subdomains || "abc";
      tiles.list.forEach(function (t) {
        var values = { z: t[0], x: t[1], y: t[2], s: subdomains[Math.abs(t[1] + t[2]) % subdomains.length], r: "" };
        urls.push(
          layer.url.replace(/\{ *([\w_-]+) *\}/g, function (m, k) {
            return values[k] === undefined ? m : values[k];
          })
        );
      });
    });
    return urls;
  }

  function fetchFor(url) {
    var sameOrigin = url.charAt(0) === "/" && url.charAt(1) !== "/";
    return fetch(url, { credentials: "omit", mode: sameOrigin ? "same-origin" : "cors", cache: "no-cache" });
  }

  // A few tiles from different zooms give the average tile size (and prove the provider answers
  // this browser with CORS, without which a tile's size cannot be stored or known).
  function sampleTiles(urls) {
    if (!urls.length) return Promise.resolve(null);
    var picks = [0.2, 0.5, 0.8].map(function (f) {
      return urls[Math.min(urls.length - 1, Math.floor(urls.length * f))];
    });
    picks = picks.filter(function (u, i) {
      return picks.indexOf(u) === i;
    });
    return Promise.all(
      picks.map(function (u) {
        return fetchFor(u)
          .then(function (r) {
            return r.ok ? r.arrayBuffer() : null;
          })
          .catch(function () {
            return null;
          });
      })
    ).then(function (bodies) {
      var sizes = bodies.filter(Boolean).map(function (b) {
        return b.byteLength;
      });
      if (!sizes.length) return null;
      return sizes.reduce(function (a, b) {
        return a + b;
      }, 0) / sizes.length;
    });
  }

  function plan(manifestUrl, langs) {
    return fetch(manifestUrl, { credentials: "omit", cache: "no-cache", headers: { Accept: "application/json" } })
      .then(function (r) {
        if (r.status === 404 || r.status === 410) {
          var gone = new Error("gone");
          gone.gone = true;
          throw gone;
        }
        if (!r.ok) throw new Error(String(r.status));
        return r.json();
      })
      .then(function (manifest) {
        var wanted = function (l) {
          return langs.indexOf(l) >= 0;
        };
        var items = [];
        manifest.documents.forEach(function (d) {
          if (wanted(d.lang)) items.push({ url: d.url, bytes: d.bytes, required: true });
        });
        manifest.resources.forEach(function (f) {
          if (f.langs.some(wanted)) items.push({ url: f.url, bytes: f.bytes, required: false });
        });
        var tiles = tileUrls(manifest.tiles);
        return sampleTiles(tiles).then(function (average) {
          var known = items.reduce(function (sum, i) {
            return sum + i.bytes;
          }, 0);
          if (average) {
            tiles.forEach(function (u) {
              items.push({ url: u, bytes: average, required: false, tile: true });
            });
          }
          return {
            manifest: manifest,
            manifestUrl: manifestUrl,
            langs: langs,
            items: items,
            tiles: average ? tiles.length : 0,
            tilesOffered: tiles.length,
            estimate: Math.round(known + (average ? average * tiles.length : 0)),
          };
        });
      });
  }

  // ---------------------------------------------------------------- downloading

  function download(p, onProgress) {
    var m = p.manifest;
    var name = PACK_PREFIX + m.key + "@" + m.version;
    var stored = 0;
    var done = 0;
    var failed = 0;
    var tilesStored = 0;
    var queue = p.items.slice();
    if (navigator.storage && navigator.storage.persist) navigator.storage.persist().catch(function () {});
    return caches.open(name).then(function (cache) {
      function next() {
        var item = queue.shift();
        if (!item) return Promise.resolve();
        return fetchFor(item.url)
          .then(function (r) {
            if (!r.ok) throw new Error(String(r.status));
            var headers = r.headers;
            return r.arrayBuffer().then(function (body) {
              stored += body.byteLength;
              if (item.tile) tilesStored += 1;
              return cache.put(item.url, new Response(body, { status: r.status, statusText: r.statusText, headers: headers }));
            });
          })
          .catch(function (error) {
            if (item.required) throw error;
            failed += 1;
          })
          .then(function () {
            done += 1;
            onProgress(done, p.items.length);
            return next();
          });
      }
      var workers = [];
      for (var i = 0; i < PARALLEL; i++) workers.push(next());
      return Promise.all(workers)
        .then(function () {
          var meta = {
            key: m.key,
            title: m.title,
            url: m.url,
            manifest: p.manifestUrl,
            version: m.version,
            published: m.published,
            cache: name,
            entry: entryUrl(m.key),
            bytes: stored,
            estimate: p.estimate,
            files: done - failed,
            failed: failed,
            tiles: tilesStored,
            langs: p.langs,
            saved: new Date().toISOString(),
            urls: m.documents
              .filter(function (d) {
                return p.langs.indexOf(d.lang) >= 0;
              })
              .map(function (d) {
                return d.url;
              }),
            aliases: m.aliases || {},
          };
          return caches
            .open(INDEX)
            .then(function (index) {
              return index.put(entryUrl(m.key), new Response(JSON.stringify(meta), { headers: { "Content-Type": "application/json" } }));
            })
            .then(function () {
              return removePack(meta, name); // the previous version, now replaced
            })
            .then(function () {
              return meta;
            });
        })
        .catch(function (error) {
          return caches.delete(name).then(function () {
            throw error;
          });
        });
    });
  }

  function dateText(iso, lang) {
    var d = new Date(iso);
    try {
      return d.toLocaleDateString(lang === "en" ? "en-GB" : "zh-CN", { year: "numeric", month: "short", day: "numeric" });
    } catch (e) {
      return iso.slice(0, 10);
    }
  }

  // A pack's version as people read it: when the route was last published.
  function versionText(meta, lang) {
    if (!meta.published) return meta.version;
    var d = new Date(meta.published);
    try {
      return d.toLocaleString(lang === "en" ? "en-GB" : "zh-CN", { month: "short", day: "numeric", hour: "2-digit", minute: "2-digit" });
    } catch (e) {
      return meta.published.slice(0, 16).replace("T", " ");
    }
  }

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function button(text, className, onClick) {
    var b = el("button", className || "button secondary", text);
    b.type = "button";
    b.addEventListener("click", onClick);
    return b;
  }

  // ---------------------------------------------------------------- a page's pack panel

  function PackPanel(node) {
    this.node = node;
    this.s = strings(node);
    this.key = node.getAttribute("data-pack-key");
    this.version = node.getAttribute("data-pack-version");
    this.manifestUrl = node.getAttribute("data-pack-url");
    this.lang = node.getAttribute("data-pack-lang");
    this.otherLang = node.getAttribute("data-pack-other-lang") || "";
    this.status = node.querySelector("[data-pack-status]");
    this.actions = node.querySelector("[data-pack-actions]");
    this.progress = node.querySelector("progress");
    this.both = node.querySelector("[data-pack-both]");
    node.hidden = false;
    this.refresh();
  }

  PackPanel.prototype.langs = function () {
    return this.both && this.both.checked && this.otherLang ? [this.lang, this.otherLang] : [this.lang];
  };

  PackPanel.prototype.say = function (text) {
    this.status.textContent = text;
  };

  PackPanel.prototype.setActions = function (buttons) {
    this.actions.textContent = "";
    buttons.forEach(function (b) {
      this.actions.appendChild(b);
    }, this);
  };

  PackPanel.prototype.refresh = function () {
    var self = this;
    return readPack(this.key).then(function (meta) {
      self.meta = meta;
      if (!meta) {
        self.node.removeAttribute("data-pack-state");
        self.say(self.s.offer);
        self.setActions([button(self.s.download, "button", self.ask.bind(self))]);
        return;
      }
      var outdated = meta.version !== self.version && navigator.onLine;
      self.node.setAttribute("data-pack-state", outdated ? "outdated" : "saved");
      self.say(
        fmt(outdated ? self.s.outdated : self.s.saved, { size: megabytes(meta.bytes), date: dateText(meta.saved, self.lang), version: versionText(meta, self.lang) })
      );
      var buttons = [];
      if (outdated) buttons.push(button(self.s.update, "button", self.ask.bind(self)));
      buttons.push(
        button(self.s.remove, "button secondary", function () {
          removePack(meta).then(self.refresh.bind(self));
        })
      );
      self.setActions(buttons);
    });
  };

  PackPanel.prototype.ask = function () {
    var self = this;
    this.say(this.s.measuring);
    this.setActions([]);
    plan(this.manifestUrl, this.langs())
      .then(function (p) {
        self.node.setAttribute("data-pack-estimate", String(p.estimate));
        var text = fmt(self.s.confirm, { size: megabytes(p.estimate), files: p.items.length });
        if (p.tilesOffered && !p.tiles) text += " " + self.s.noTiles;
        else if (!p.tilesOffered) text += " " + self.s.basemapOnly;
        self.say(text);
        self.setActions([
          button(self.s.start, "button", function () {
            self.run(p);
          }),
          button(self.s.cancel, "button secondary", self.refresh.bind(self)),
        ]);
      })
      .catch(function () {
        self.say(self.s.failed);
        self.setActions([button(self.s.retry, "button", self.ask.bind(self))]);
      });
  };

  PackPanel.prototype.run = function (p) {
    var self = this;
    this.setActions([]);
    this.progress.hidden = false;
    this.progress.value = 0;
    this.progress.max = p.items.length;
    download(p, function (done, total) {
      self.progress.value = done;
      self.say(fmt(self.s.progress, { done: done, total: total }));
    })
      .then(function () {
        self.progress.hidden = true;
        return self.refresh();
      })
      .catch(function () {
        self.progress.hidden = true;
        self.say(self.s.failed);
        self.setActions([button(self.s.retry, "button", self.ask.bind(self))]);
      });
  };

  // ---------------------------------------------------------------- 我的离线线路

  function PackList(node) {
    this.node = node;
    this.s = strings(node);
    this.lang = node.getAttribute("data-lang");
    this.list = node.querySelector("[data-pack-rows]");
    this.empty = node.querySelector("[data-pack-empty]");
    var notice = node.querySelector("[data-offline-notice]");
    var params = new URLSearchParams(location.search);
    if (params.get("gone")) {
      notice.textContent = fmt(this.s.gone, { title: params.get("gone") });
      notice.hidden = false;
    } else if (location.pathname !== node.getAttribute("data-path")) {
      notice.textContent = this.s.notSaved; // the worker answered an address that was not downloaded
      notice.hidden = false;
    }
    this.render();
  }

  PackList.prototype.render = function () {
    var self = this;
    return allPacks().then(function (metas) {
      metas.sort(function (a, b) {
        return a.title < b.title ? -1 : 1;
      });
      self.list.textContent = "";
      self.empty.hidden = metas.length > 0;
      metas.forEach(function (meta) {
        self.list.appendChild(self.row(meta));
      });
    });
  };

  PackList.prototype.row = function (meta) {
    var self = this;
    var li = el("li", "pack");
    li.setAttribute("data-pack-key", meta.key);
    var link = el("a", "pack-title", meta.title);
    link.href = meta.url;
    li.appendChild(link);
    li.appendChild(
      el("p", "pack-meta", fmt(this.s.row, { size: megabytes(meta.bytes), date: dateText(meta.saved, this.lang), version: versionText(meta, this.lang) }))
    );
    var state = el("p", "pack-state");
    state.setAttribute("aria-live", "polite");
    li.appendChild(state);
    var progress = el("progress");
    progress.hidden = true;
    li.appendChild(progress);
    var actions = el("p", "pack-actions");
    li.appendChild(actions);
    function removeButton() {
      return button(self.s.remove, "button secondary", function () {
        removePack(meta).then(self.render.bind(self));
      });
    }
    actions.appendChild(removeButton());
    if (!navigator.onLine) {
      state.textContent = this.s.ready;
      return li;
    }
    fetch(meta.manifest, { credentials: "omit", cache: "no-cache", method: "GET", headers: { Accept: "application/json" } })
      .then(function (r) {
        if (r.status === 404 || r.status === 410) {
          li.setAttribute("data-pack-state", "gone");
          state.textContent = self.s.withdrawn;
          actions.textContent = "";
          return removePack(meta);
        }
        if (!r.ok) throw new Error(String(r.status));
        return r.json().then(function (manifest) {
          if (manifest.version === meta.version) {
            li.setAttribute("data-pack-state", "current");
            state.textContent = self.s.current;
            return;
          }
          li.setAttribute("data-pack-state", "outdated");
          state.textContent = self.s.hasUpdate;
          actions.insertBefore(
            button(self.s.update, "button", function () {
              actions.textContent = "";
              state.textContent = self.s.measuring;
              plan(meta.manifest, meta.langs)
                .then(function (p) {
                  progress.hidden = false;
                  progress.max = p.items.length;
                  return download(p, function (done) {
                    progress.value = done;
                  });
                })
                .then(self.render.bind(self))
                .catch(function () {
                  state.textContent = self.s.failed;
                  actions.appendChild(removeButton());
                });
            }),
            actions.firstChild
          );
        });
      })
      .catch(function () {
        state.textContent = self.s.ready;
      });
    return li;
  };

  // A page read from a pack may be days old: a warning whose end has passed is hidden.
  function hideEnded() {
    var now = Date.now();
    document.querySelectorAll("[data-notice-ends]").forEach(function (n) {
      var ends = parseInt(n.getAttribute("data-notice-ends"), 10) * 1000; // seconds since 1970
      if (ends && ends <= now) n.hidden = true;
    });
  }

  function boot() {
    hideEnded();
    if (!supported) {
      document.querySelectorAll("[data-offline-unsupported]").forEach(function (n) {
        n.hidden = false;
      });
      return;
    }
    document.querySelectorAll("[data-offline-pack]").forEach(function (n) {
      n.offlinePack = new PackPanel(n);
    });
    document.querySelectorAll("[data-offline-list]").forEach(function (n) {
      n.offlineList = new PackList(n);
    });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", boot);
  else boot();
})();
