/*
 * WGS-84 ⇄ GCJ-02, the one browser copy of portal.geo.wgs84_to_gcj02 (tests/test_geo.py checks
 * that they agree). Used by the public map module (map.js) and the admin map widget
 * (admin-map.js) when the tiles are Gaode's: our stored geometry stays WGS-84, only what Leaflet
 * draws is shifted, and what the map reports is shifted back.
 */
(function (root) {
  "use strict";

  var A = 6378245.0; // Krasovsky 1940 semi-major axis used by the GCJ-02 algorithm
  var EE = 0.00669342162296594323; // its eccentricity squared

  function outOfChina(lon, lat) {
    return lon < 72.004 || lon > 137.8347 || lat < 0.8293 || lat > 55.8271;
  }

  function transformLat(x, y) {
    var r = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * Math.sqrt(Math.abs(x));
    r += ((20.0 * Math.sin(6.0 * x * Math.PI) + 20.0 * Math.sin(2.0 * x * Math.PI)) * 2.0) / 3.0;
    r += ((20.0 * Math.sin(y * Math.PI) + 40.0 * Math.sin((y / 3.0) * Math.PI)) * 2.0) / 3.0;
    r += ((160.0 * Math.sin((y / 12.0) * Math.PI) + 320.0 * Math.sin((y * Math.PI) / 30.0)) * 2.0) / 3.0;
    return r;
  }

  function transformLon(x, y) {
    var r = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * Math.sqrt(Math.abs(x));
    r += ((20.0 * Math.sin(6.0 * x * Math.PI) + 20.0 * Math.sin(2.0 * x * Math.PI)) * 2.0) / 3.0;
    r += ((20.0 * Math.sin(x * Math.PI) + 40.0 * Math.sin((x / 3.0) * Math.PI)) * 2.0) / 3.0;
    r += ((150.0 * Math.sin((x / 12.0) * Math.PI) + 300.0 * Math.sin((x / 30.0) * Math.PI)) * 2.0) / 3.0;
    return r;
  }

  function wgs84ToGcj02(lon, lat) {
    if (outOfChina(lon, lat)) return [lon, lat];
    var dLat = transformLat(lon - 105.0, lat - 35.0);
    var dLon = transformLon(lon - 105.0, lat - 35.0);
    var radLat = (lat / 180.0) * Math.PI;
    var magic = Math.sin(radLat);
    magic = 1 - EE * magic * magic;
    var sqrtMagic = Math.sqrt(magic);
    dLat = (dLat * 180.0) / (((A * (1 - EE)) / (magic * sqrtMagic)) * Math.PI);
    dLon = (dLon * 180.0) / ((A / sqrtMagic) * Math.cos(radLat) * Math.PI);
    return [lon + dLon, lat + dLat];
  }

  // The shift varies slowly, so fixed-point iteration converges to well under a centimetre.
  function gcj02ToWgs84(lon, lat) {
    var wLon = lon;
    var wLat = lat;
    for (var i = 0; i < 6; i++) {
      var g = wgs84ToGcj02(wLon, wLat);
      wLon -= g[0] - lon;
      wLat -= g[1] - lat;
    }
    return [wLon, wLat];
  }

  var PortalGcj02 = { outOfChina: outOfChina, wgs84ToGcj02: wgs84ToGcj02, gcj02ToWgs84: gcj02ToWgs84 };
  if (typeof module !== "undefined" && module.exports) module.exports = PortalGcj02; // node, for tests
  if (root) root.PortalGcj02 = PortalGcj02;
})(typeof window !== "undefined" ? window : this);
