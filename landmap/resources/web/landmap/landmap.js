/* landmap.js — the small runtime of landmap's interactive maps (MIT licence, part of landmap).
 *
 * Decodes the compact layer payloads written by landmap.render.maps.encode, draws them with Leaflet,
 * and builds popups, tooltips, the legend, search, the time slider and the notice banner.
 * Every value that comes from data reaches the page through textContent or a DOM attribute,
 * never through innerHTML, so a description holding markup shows as text.
 */
(function () {
  'use strict';

  var ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
  var DIGIT = new Int8Array(128).fill(-1);
  for (var a = 0; a < ALPHABET.length; a++) { DIGIT[ALPHABET.charCodeAt(a)] = a; }

  /* typedBytes: memory held in typed arrays (outside the JS heap that devtools report). */
  var status = { layers: {}, ready: false, errors: [], typedBytes: 0 };
  var maps = [];

  /* Variable-length base-64 integers -> Float64Array (values may exceed 32 bits). */
  function varints(text) {
    var out = new Float64Array(text.length), n = 0, value = 0, scale = 1;
    for (var i = 0; i < text.length; i++) {
      var d = DIGIT[text.charCodeAt(i)];
      if (d < 0) { throw new Error('landmap: corrupt geometry string at ' + i); }
      value += (d & 31) * scale;
      if (d & 32) { scale *= 32; } else { out[n++] = value; value = 0; scale = 1; }
    }
    return out.subarray(0, n);
  }

  function unzig(v) { return (v % 2) ? -(v + 1) / 2 : v / 2; }

  /* Numbered identifiers: prefixes "d", prefix codes "i" (0: missing; absent: all the first
     prefix, "len" values), number deltas "n", zero-padded width "w". */
  function numbered(col) {
    var nums = varints(col.n), codes = col.i ? varints(col.i) : null;
    var count = codes ? codes.length : col.len, out = new Array(count), v = 0, k = 0;
    for (var i = 0; i < count; i++) {
      var code = codes ? codes[i] : 1;
      if (!code) { out[i] = null; continue; }
      v += unzig(nums[k++]);
      var digits = String(v);
      if (col.w && digits.length < col.w) { digits = '0'.repeat(col.w - digits.length) + digits; }
      out[i] = col.d[code - 1] + digits;
    }
    return out;
  }

  /* Decode a column: {"d": dictionary, "i": codes}, numbered ids ("n") or {"v": values}. */
  function column(col, n) {
    if (!col) { return new Array(n).fill(null); }
    if (col.v) { return col.v; }
    if (col.n !== undefined) { return numbered(col); }
    var codes = varints(col.i), out = new Array(codes.length);
    for (var i = 0; i < codes.length; i++) { out[i] = codes[i] ? col.d[codes[i] - 1] : null; }
    return out;
  }

  function columns(spec) {
    if (!spec._cols) {
      spec._cols = {};
      for (var name in spec.props) {
        if (Object.prototype.hasOwnProperty.call(spec.props, name)) {
          spec._cols[name] = column(spec.props[name], spec.geom.n);
        }
      }
    }
    return spec._cols;
  }

  function decodePoints(geom) {
    if (geom._decoded) { return geom._decoded; }
    var xy = varints(geom.c), q = geom.q, ox = geom.o[0], oy = geom.o[1];
    /* geom.m: the features without a location, as gaps between their indices; they are null */
    var gaps = geom.m ? varints(geom.m) : [], missing = new Uint8Array(geom.n), at = -1;
    for (var g = 0; g < gaps.length; g++) { at += gaps[g] + 1; missing[at] = 1; }
    var x = 0, y = 0, k = 0, out = new Array(geom.n);
    for (var i = 0; i < geom.n; i++) {
      if (missing[i]) { out[i] = null; continue; }
      x += unzig(xy[2 * k]); y += unzig(xy[2 * k + 1]); k++;
      out[i] = new L.LatLng(oy + y * q, ox + x * q);
    }
    geom._decoded = out;
    return out;
  }

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) { node.className = className; }
    if (text !== undefined && text !== null) { node.textContent = String(text); }
    return node;
  }

  /* Popup / tooltip content for feature i: a title and a table of label -> value rows. */
  function content(spec, i, cols, tooltip) {
    var values = columns(spec), box = el('div', tooltip ? 'lm-tooltip' : 'lm-popup');
    var titleCol = spec.titleColumn, title = titleCol && values[titleCol] ? values[titleCol][i] : null;
    if (title !== null && title !== undefined && !tooltip) { box.appendChild(el('div', 'lm-popup-title', title)); }
    box.appendChild(el('div', 'lm-popup-layer', spec.label));
    var vague = hollowNote(spec, i);
    if (vague) { box.appendChild(el('div', 'lm-popup-note', vague)); }
    var table = el('table'), rows = 0;
    for (var c = 0; c < cols.length; c++) {
      var v = values[cols[c]] ? values[cols[c]][i] : null;
      if (v === null || v === undefined || v === '') { continue; }
      if (spec.terms && spec.terms[cols[c]] && spec.terms[cols[c]][v]) { v = spec.terms[cols[c]][v]; }
      var tr = el('tr');
      tr.appendChild(el('th', null, spec.labels[cols[c]] || cols[c]));
      var td = el('td', null, v);
      td.setAttribute('dir', 'auto');
      tr.appendChild(td);
      table.appendChild(tr);
      rows++;
    }
    if (rows) { box.appendChild(table); }
    return box;
  }

  /* A case known only to its commune (district...): the popup note, or null. */
  function hollowNote(spec, i) {
    var p = spec.precision;
    if (!p) { return null; }
    var col = columns(spec)[p.by], term = col ? col[i] : null;
    return (term !== null && term !== undefined && p.hollow[term]) || null;
  }

  /* Such a case is drawn hollow: outline only, dashed, so it never reads as an exact place. */
  function hollowStyle(st) {
    return L.extend({}, st, { fillOpacity: 0.08, weight: 2, dashArray: '3 2' });
  }

  function styleOf(spec, i) {
    var s = spec.style, values = columns(spec), base;
    if (!s.by) { base = s.fixed; } else {
      var term = values[s.by] ? values[s.by][i] : null;
      base = (term !== null && s.terms[term]) || s.fallback;
    }
    return hollowNote(spec, i) ? hollowStyle(base) : base;
  }

  function bindContent(group, spec) {
    if (spec.popup && spec.popup.length) {
      group.bindPopup(function (layer) { return content(spec, layer._lmIndex, spec.popup, false); },
        { maxWidth: 360, minWidth: 260, autoPanPaddingTopLeft: [20, 100], autoPanPaddingBottomRight: [20, 20] });
    }
    if (spec.tooltip && spec.tooltip.length) {
      group.bindTooltip(function (layer) { return content(spec, layer._lmIndex, spec.tooltip, true); },
        { sticky: true, direction: 'top', opacity: 0.95 });
    }
  }

  function renderer(map, pane) {
    map._lmRenderers = map._lmRenderers || {};
    if (!map._lmRenderers[pane]) {
      if (!map.getPane(pane)) {
        map.createPane(pane).style.zIndex = 250;  /* background: above tiles, below overlays */
      }
      map._lmRenderers[pane] = L.canvas({ pane: pane, padding: 0.3, tolerance: 2 });
    }
    return map._lmRenderers[pane];
  }

  /* Web-Mercator "world" coordinates in [0, 1]: layer point = world * crs.scale(zoom) - origin. */
  var D2R = Math.PI / 180, MAXLAT = 85.0511287798;
  function mercX(lng) { return (lng + 180) / 360; }
  function mercY(lat) {
    var s = Math.sin(Math.max(-MAXLAT, Math.min(MAXLAT, lat)) * D2R);
    return 0.5 - Math.log((1 + s) / (1 - s)) / (4 * Math.PI);
  }
  function unmercX(x) { return x * 360 - 180; }
  function unmercY(y) { return (2 * Math.atan(Math.exp((0.5 - y) * 2 * Math.PI)) - Math.PI / 2) / D2R; }
  function worldToLatLng(x, y) { return new L.LatLng(unmercY(y), unmercX(x)); }

  /* Polygons -> flat typed arrays: world coordinates, ring starts, rings per feature, bboxes. */
  function decodePolygons(geom) {
    if (geom._decoded) { return geom._decoded; }
    var heads = varints(geom.h), deltas = varints(geom.c), q = geom.q, ox = geom.o[0], oy = geom.o[1];
    var n = geom.n, nr = heads.length, xy = new Float64Array(deltas.length);
    var ringStart = new Int32Array(nr + 1), featRing = new Int32Array(n + 1), bbox = new Float64Array(4 * n);
    var f = -1, k = 0, x = 0, y = 0, pts = 0;
    var all = [Infinity, Infinity, -Infinity, -Infinity];
    for (var r = 0; r < nr; r++) {
      var npts = Math.floor(heads[r] / 4);
      if (heads[r] % 4 === 2) {
        f++; featRing[f] = r;
        bbox[4 * f] = bbox[4 * f + 1] = Infinity; bbox[4 * f + 2] = bbox[4 * f + 3] = -Infinity;
      }
      ringStart[r] = pts;
      for (var p = 0; p < npts; p++, pts++) {
        x += unzig(deltas[k++]); y += unzig(deltas[k++]);
        var wx = mercX(ox + x * q), wy = mercY(oy + y * q);
        xy[2 * pts] = wx; xy[2 * pts + 1] = wy;
        if (wx < bbox[4 * f]) { bbox[4 * f] = wx; }
        if (wy < bbox[4 * f + 1]) { bbox[4 * f + 1] = wy; }
        if (wx > bbox[4 * f + 2]) { bbox[4 * f + 2] = wx; }
        if (wy > bbox[4 * f + 3]) { bbox[4 * f + 3] = wy; }
      }
    }
    ringStart[nr] = pts;
    featRing[n] = nr;
    var present = 0;
    for (f = 0; f < n; f++) {
      if (bbox[4 * f] === Infinity) { continue; }
      present++;
      all[0] = Math.min(all[0], bbox[4 * f]); all[1] = Math.min(all[1], bbox[4 * f + 1]);
      all[2] = Math.max(all[2], bbox[4 * f + 2]); all[3] = Math.max(all[3], bbox[4 * f + 3]);
    }
    status.typedBytes += xy.byteLength + ringStart.byteLength + featRing.byteLength + bbox.byteLength;
    geom._decoded = { n: n, xy: xy, ringStart: ringStart, featRing: featRing, bbox: bbox, all: all, present: present };
    return geom._decoded;
  }

  function rgba(hex, alpha) {
    var v = parseInt(String(hex).slice(1), 16);
    return 'rgba(' + ((v >> 16) & 255) + ',' + ((v >> 8) & 255) + ',' + (v & 255) + ',' + alpha + ')';
  }

  /* The styles of a polygon layer as canvas styles, and each feature's style number. */
  function canvasStyles(spec) {
    var s = spec.style, list = [], index = {}, values = columns(spec), n = spec.geom.n;
    var which = new Uint16Array(n);
    function add(key, st) {
      if (index[key] === undefined) {
        index[key] = list.length;
        list.push({ fill: st.fillOpacity > 0 ? rgba(st.fillColor, st.fillOpacity) : null,
                    stroke: st.weight > 0 ? rgba(st.color, st.opacity === undefined ? 1 : st.opacity) : null,
                    dot: rgba(st.color, 0.9), weight: st.weight });
      }
      return index[key];
    }
    var col = s.by ? (values[s.by] || []) : [];
    for (var i = 0; i < n; i++) {
      var term = s.by ? col[i] : null, known = term !== null && term !== undefined && s.terms[term];
      var st = !s.by ? s.fixed : (known ? s.terms[term] : s.fallback), key = known ? 't' + term : '';
      which[i] = hollowNote(spec, i) ? add('h' + key, hollowStyle(st)) : add(key, st);
    }
    return { list: list, which: which };
  }

  function pointInFeature(d, f, wx, wy) {
    var inside = false, xy = d.xy;
    for (var r = d.featRing[f]; r < d.featRing[f + 1]; r++) {
      var a = d.ringStart[r], b = d.ringStart[r + 1];
      for (var i = a, j = b - 1; i < b; j = i++) {
        var xi = xy[2 * i], yi = xy[2 * i + 1], xj = xy[2 * j], yj = xy[2 * j + 1];
        if (((yi > wy) !== (yj > wy)) && (wx < (xj - xi) * (wy - yi) / (yj - yi) + xi)) { inside = !inside; }
      }
    }
    return inside;
  }

  /* A uniform grid over the layer: features listed per cell (huge ones kept apart). */
  function gridIndex(d) {
    if (d.grid) { return d.grid; }
    var g = Math.max(1, Math.min(512, Math.ceil(Math.sqrt(d.present / 2)))), a = d.all;
    var cw = (a[2] - a[0]) / g || 1e-12, ch = (a[3] - a[1]) / g || 1e-12;
    var cells = new Array(g * g), big = [];
    for (var f = 0; f < d.n; f++) {
      if (d.bbox[4 * f] === Infinity) { continue; }
      var c0 = Math.min(g - 1, Math.floor((d.bbox[4 * f] - a[0]) / cw)), c1 = Math.min(g - 1, Math.floor((d.bbox[4 * f + 2] - a[0]) / cw));
      var r0 = Math.min(g - 1, Math.floor((d.bbox[4 * f + 1] - a[1]) / ch)), r1 = Math.min(g - 1, Math.floor((d.bbox[4 * f + 3] - a[1]) / ch));
      if ((c1 - c0 + 1) * (r1 - r0 + 1) > 64) { big.push(f); continue; }
      for (var rr = r0; rr <= r1; rr++) {
        for (var cc = c0; cc <= c1; cc++) { (cells[rr * g + cc] = cells[rr * g + cc] || []).push(f); }
      }
    }
    d.grid = { g: g, cw: cw, ch: ch, cells: cells, big: big };
    return d.grid;
  }

  /* The topmost feature under a point, or -1. */
  function hitTest(d, latlng) {
    var wx = mercX(latlng.lng), wy = mercY(latlng.lat), a = d.all;
    if (!(wx >= a[0] && wx <= a[2] && wy >= a[1] && wy <= a[3])) { return -1; }
    var grid = gridIndex(d), best = -1;
    var c = Math.min(grid.g - 1, Math.floor((wx - a[0]) / grid.cw)), r = Math.min(grid.g - 1, Math.floor((wy - a[1]) / grid.ch));
    var lists = [grid.cells[r * grid.g + c] || [], grid.big];
    for (var l = 0; l < 2; l++) {
      var cand = lists[l];
      for (var k = cand.length - 1; k >= 0; k--) {
        var f = cand[k];
        if (f <= best) { continue; }
        if (wx < d.bbox[4 * f] || wx > d.bbox[4 * f + 2] || wy < d.bbox[4 * f + 1] || wy > d.bbox[4 * f + 3]) { continue; }
        if (pointInFeature(d, f, wx, wy)) { best = f; }
      }
    }
    return best;
  }

  /* A canvas that draws a whole polygon layer from typed arrays: no object per feature, so
   * hundreds of thousands of parcels draw in one pass. Pan/zoom animation is Leaflet's. */
  var BulkPolygons = L.Canvas.extend({
    initialize: function (spec, options) {
      L.Canvas.prototype.initialize.call(this, L.extend({ padding: 0.3 }, options));
      this._lmSpec = spec;
      this._lmData = decodePolygons(spec.geom);
      this._lmStyles = canvasStyles(spec);
      this._lmDrawn = 0;
    },
    onAdd: function (map) {
      L.Canvas.prototype.onAdd.call(this, map);
      if (this.options.lmInteractive) {
        map.on('click', this._lmClick, this);
        map.on('mousemove', this._lmMove, this);
      }
    },
    onRemove: function (map) {
      map.off('click', this._lmClick, this);
      map.off('mousemove', this._lmMove, this);
      if (this._lmTip) { map.closeTooltip(this._lmTip); this._lmTip = null; }
      L.Canvas.prototype.onRemove.call(this, map);
    },
    getBounds: function () {
      var a = this._lmData.all;
      if (!(a[0] <= a[2])) { return L.latLngBounds([]); }
      return L.latLngBounds(worldToLatLng(a[0], a[3]), worldToLatLng(a[2], a[1]));
    },
    featureBounds: function (f) {
      var b = this._lmData.bbox;
      return L.latLngBounds(worldToLatLng(b[4 * f], b[4 * f + 3]), worldToLatLng(b[4 * f + 2], b[4 * f + 1]));
    },
    _updatePaths: function () { this._redraw(); },
    _draw: function () {
      var d = this._lmData, map = this._map, ctx = this._ctx, st = this._lmStyles;
      if (!map || !this._bounds) { return; }
      var s = map.options.crs.scale(map.getZoom()), po = map.getPixelOrigin(), b = this._bounds;
      var x0 = (b.min.x + po.x) / s, y0 = (b.min.y + po.y) / s, x1 = (b.max.x + po.x) / s, y1 = (b.max.y + po.y) / s;
      var xy = d.xy, bb = d.bbox, cur = -1, drawn = 0, tiny = [];
      ctx.save();
      ctx.lineJoin = 'round';
      for (var f = 0; f < d.n; f++) {
        if (bb[4 * f] > x1 || bb[4 * f + 2] < x0 || bb[4 * f + 1] > y1 || bb[4 * f + 3] < y0) { continue; }
        drawn++;
        if ((bb[4 * f + 2] - bb[4 * f]) * s < 1.5 && (bb[4 * f + 3] - bb[4 * f + 1]) * s < 1.5) { tiny.push(f); continue; }
        var k = st.which[f], style = st.list[k];
        if (k !== cur) { cur = k; ctx.fillStyle = style.fill || 'transparent'; ctx.strokeStyle = style.stroke || 'transparent'; ctx.lineWidth = style.weight; }
        ctx.beginPath();
        for (var r = d.featRing[f]; r < d.featRing[f + 1]; r++) {
          var a = d.ringStart[r], e = d.ringStart[r + 1];
          if (e <= a) { continue; }
          ctx.moveTo(xy[2 * a] * s - po.x, xy[2 * a + 1] * s - po.y);
          for (var i = a + 1; i < e; i++) { ctx.lineTo(xy[2 * i] * s - po.x, xy[2 * i + 1] * s - po.y); }
          ctx.closePath();
        }
        if (style.fill) { ctx.fill('evenodd'); }
        if (style.stroke && ((bb[4 * f + 2] - bb[4 * f]) * s > 4 || (bb[4 * f + 3] - bb[4 * f + 1]) * s > 4)) { ctx.stroke(); }
      }
      /* Features smaller than a pixel: one dot each, one fill per style. */
      for (var t = 0; t < st.list.length && tiny.length; t++) {
        ctx.beginPath();
        for (var m = 0; m < tiny.length; m++) {
          var g = tiny[m];
          if (st.which[g] === t) { ctx.rect(bb[4 * g] * s - po.x, bb[4 * g + 1] * s - po.y, 1, 1); }
        }
        ctx.fillStyle = st.list[t].dot;
        ctx.fill();
      }
      ctx.restore();
      this._lmDrawn = drawn;
    },
    _lmClick: function (e) {
      var f = hitTest(this._lmData, e.latlng), oe = e.originalEvent, self = this;
      if (f < 0 || !oe || !this._lmSpec.popup.length) { return; }
      if (!oe._lmHits) {
        oe._lmHits = [];
        setTimeout(function () {
          if (oe._stopped) { return; }
          var top = oe._lmHits[oe._lmHits.length - 1];
          top.layer._lmOpen(top.f, e.latlng);
        }, 0);
      }
      oe._lmHits.push({ layer: self, f: f });
    },
    _lmOpen: function (f, latlng) {
      var spec = this._lmSpec;
      L.popup({ maxWidth: 360, minWidth: 260, autoPanPaddingTopLeft: [20, 100], autoPanPaddingBottomRight: [20, 20] }).setLatLng(latlng || this.featureBounds(f).getCenter())
        .setContent(content(spec, f, spec.popup, false)).openOn(this._map);
    },
    _lmMove: function (e) {
      var self = this;
      this._lmLast = e.latlng;
      if (this._lmPending) { return; }
      this._lmPending = true;
      requestAnimationFrame(function () {
        self._lmPending = false;
        if (!self._map) { return; }
        var f = hitTest(self._lmData, self._lmLast), spec = self._lmSpec;
        var box = self._map.getContainer();
        if (f !== self._lmHover) {
          self._lmHover = f;
          if (self._lmTip) { self._map.closeTooltip(self._lmTip); self._lmTip = null; }
          if (f >= 0 && spec.tooltip.length) {
            self._lmTip = L.tooltip({ sticky: true, direction: 'top', opacity: 0.95, offset: [0, -8] })
              .setLatLng(self._lmLast).setContent(content(spec, f, spec.tooltip, true));
            self._map.openTooltip(self._lmTip);
          }
          box.classList.toggle('lm-pointer', f >= 0 && spec.popup.length > 0);
        } else if (self._lmTip) { self._lmTip.setLatLng(self._lmLast); }
      });
    }
  });

  /* A polygon layer (concessions, areas, overlaps, boundaries, parcels). */
  function polygonLayer(map, spec) {
    var t0 = performance.now();
    var layer = new BulkPolygons(spec, { pane: spec.pane, lmInteractive: spec.interactive !== false });
    if (spec.pane !== 'overlayPane' && !map.getPane(spec.pane)) { map.createPane(spec.pane).style.zIndex = 250; }
    registerLayer(map, spec, layer, layer._lmData.present);
    status.layers[spec.id].ms = { decode: performance.now() - t0 };
    return layer;
  }

  function radius(spec, hh) {
    var s = spec.size;
    if (!s || hh === null || hh === undefined || hh === '' || isNaN(+hh)) { return s ? s.min : 6; }
    return Math.max(s.min, Math.min(s.max, s.min + s.k * Math.sqrt(Math.max(0, +hh))));
  }

  /* A case layer: circles styled by type, sized by households; clustered (Leaflet.markercluster,
   * clusters show their count, many cases at one spot spread out) or drawn in bulk on a canvas. */
  function pointLayer(map, spec) {
    var pts = decodePoints(spec.geom), values = columns(spec), n = pts.length;
    var sizeCol = spec.size ? values[spec.size.by] : null;
    var weights = new Float64Array(n), radii = new Float32Array(n);
    for (var i = 0; i < n; i++) {
      var hh = sizeCol ? sizeCol[i] : null;
      weights[i] = hh === null || hh === undefined || isNaN(+hh) ? 0 : +hh;
      radii[i] = radius(spec, hh);
    }
    var layer = spec.cluster && L.markerClusterGroup ? clusterLayer(map, spec, pts, weights, radii)
      : new BulkPoints(spec, pts, weights, radii, { pane: spec.pane });
    layer._lmSpec = spec;
    layer._lmCount = n;
    layer._lmPoint = function (k) { return pts[k]; };
    layer._lmWeight = function (k) { return weights[k]; };
    registerLayer(map, spec, layer, pts.filter(Boolean).length);  /* what can be drawn */
    return layer;
  }

  function clusterLayer(map, spec, pts, weights, radii) {
    var rend = renderer(map, spec.pane), markers = [], byIndex = new Array(pts.length), group;
    for (var i = 0; i < pts.length; i++) {
      if (!pts[i]) { continue; }  /* a feature without a location is not drawn */
      var m = new L.CircleMarker(pts[i], L.extend({ renderer: rend, radius: radii[i] }, styleOf(spec, i)));
      m._lmIndex = i;
      m._lmHouseholds = weights[i];
      markers.push(m);
      byIndex[i] = m;
    }
    group = L.markerClusterGroup({
      chunkedLoading: true, spiderfyOnMaxZoom: true, showCoverageOnHover: false,
      maxClusterRadius: spec.cluster.radius || 50, iconCreateFunction: clusterIcon,
      chunkProgress: function (done, total) { if (done >= total) { group._lmClustered = true; } }
    });
    group._lmClustered = markers.length === 0;
    group._lmMarkers = markers;
    group.addLayers(markers);
    bindContent(group, spec);
    group._lmFilter = function (keep) {
      group._lmClustered = false;
      group.clearLayers();
      group.addLayers(markers.filter(function (m) { return keep(m._lmIndex); }));
    };
    group._lmShow = function (k) {
      var marker = byIndex[k];
      if (!marker) { return; }
      function open() {
        L.popup({ maxWidth: 360, minWidth: 260, autoPanPaddingTopLeft: [20, 100] }).setLatLng(marker.getLatLng()).setContent(content(spec, k, spec.popup || [], false)).openOn(map);
      }
      if (group.hasLayer(marker)) { group.zoomToShowLayer(marker, open); } else { map.setView(marker.getLatLng(), Math.max(map.getZoom(), 14)); open(); }
    };
    group._lmShown = function () { return group.getLayers().length; };
    return group;
  }

  /* Many circles on one canvas, drawn from typed arrays; hit-tested by distance. */
  var BulkPoints = L.Canvas.extend({
    initialize: function (spec, pts, weights, radii, options) {
      L.Canvas.prototype.initialize.call(this, L.extend({ padding: 0.3 }, options));
      var n = pts.length;
      this._lmSpec = spec;
      this._lmX = new Float64Array(n);
      this._lmY = new Float64Array(n);
      this._lmHas = new Uint8Array(n);  /* 0: a feature without a location, never drawn */
      for (var i = 0; i < n; i++) {
        if (!pts[i]) { this._lmX[i] = this._lmY[i] = NaN; continue; }
        this._lmHas[i] = 1;
        this._lmX[i] = mercX(pts[i].lng); this._lmY[i] = mercY(pts[i].lat);
      }
      this._lmR = radii;
      status.typedBytes += this._lmX.byteLength * 2 + radii.byteLength + n;
      this._lmStyles = canvasStyles(spec);
      this._lmVisible = this._lmHas.slice();
      this._lmDrawn = 0;
      this._lmBounds = L.latLngBounds(pts.filter(Boolean));
    },
    onAdd: function (map) {
      L.Canvas.prototype.onAdd.call(this, map);
      map.on('click', this._lmClick, this);
      map.on('mousemove', this._lmMove, this);
    },
    onRemove: function (map) {
      map.off('click', this._lmClick, this);
      map.off('mousemove', this._lmMove, this);
      if (this._lmTip) { map.closeTooltip(this._lmTip); this._lmTip = null; }
      L.Canvas.prototype.onRemove.call(this, map);
    },
    getBounds: function () { return this._lmBounds; },
    _updatePaths: function () { this._redraw(); },
    _draw: function () {
      var map = this._map, ctx = this._ctx, st = this._lmStyles, X = this._lmX, Y = this._lmY, R = this._lmR;
      if (!map || !this._bounds) { return; }
      var s = map.options.crs.scale(map.getZoom()), po = map.getPixelOrigin(), b = this._bounds, drawn = 0;
      ctx.save();
      for (var k = 0; k < st.list.length; k++) {
        var style = st.list[k];
        ctx.beginPath();
        for (var i = 0; i < X.length; i++) {
          if (st.which[i] !== k || !this._lmVisible[i]) { continue; }
          var x = X[i] * s - po.x, y = Y[i] * s - po.y, r = R[i];
          if (x + r < b.min.x || x - r > b.max.x || y + r < b.min.y || y - r > b.max.y) { continue; }
          ctx.moveTo(x + r, y);
          ctx.arc(x, y, r, 0, 2 * Math.PI);
          drawn++;
        }
        ctx.fillStyle = style.fill || 'transparent';
        ctx.fill();
        if (style.stroke) { ctx.strokeStyle = style.stroke; ctx.lineWidth = style.weight; ctx.stroke(); }
      }
      ctx.restore();
      this._lmDrawn = drawn;
    },
    _lmHit: function (latlng) {
      var map = this._map, s = map.options.crs.scale(map.getZoom());
      var wx = mercX(latlng.lng), wy = mercY(latlng.lat), best = -1;
      for (var i = 0; i < this._lmX.length; i++) {
        if (!this._lmVisible[i]) { continue; }
        var dx = (this._lmX[i] - wx) * s, dy = (this._lmY[i] - wy) * s, r = this._lmR[i] + 2;
        if (dx * dx + dy * dy <= r * r) { best = i; }  /* the last drawn is on top */
      }
      return best;
    },
    _lmClick: function (e) {
      var f = this._lmHit(e.latlng), oe = e.originalEvent;
      if (f < 0 || !oe || !this._lmSpec.popup.length) { return; }
      oe._lmHits = oe._lmHits || [];
      var first = oe._lmHits.length === 0;
      oe._lmHits.push({ layer: this, f: f, point: true });
      if (first) {
        setTimeout(function () {
          if (oe._stopped) { return; }
          var hits = oe._lmHits.filter(function (h) { return h.point; });
          var top = hits.length ? hits[hits.length - 1] : oe._lmHits[oe._lmHits.length - 1];
          top.layer._lmOpen(top.f, e.latlng);
        }, 0);
      }
    },
    _lmOpen: function (f) {
      var spec = this._lmSpec, ll = worldToLatLng(this._lmX[f], this._lmY[f]);
      L.popup({ maxWidth: 360, minWidth: 260, autoPanPaddingTopLeft: [20, 100], autoPanPaddingBottomRight: [20, 20] }).setLatLng(ll)
        .setContent(content(spec, f, spec.popup, false)).openOn(this._map);
    },
    _lmMove: function (e) {
      var self = this;
      this._lmLast = e.latlng;
      if (this._lmPending || !this._lmSpec.tooltip.length) { return; }
      this._lmPending = true;
      requestAnimationFrame(function () {
        self._lmPending = false;
        if (!self._map) { return; }
        var f = self._lmHit(self._lmLast), spec = self._lmSpec;
        if (f !== self._lmHover) {
          self._lmHover = f;
          if (self._lmTip) { self._map.closeTooltip(self._lmTip); self._lmTip = null; }
          if (f >= 0) {
            self._lmTip = L.tooltip({ direction: 'top', opacity: 0.95, offset: [0, -6] })
              .setLatLng(worldToLatLng(self._lmX[f], self._lmY[f])).setContent(content(spec, f, spec.tooltip, true));
            self._map.openTooltip(self._lmTip);
          }
          self._map.getContainer().classList.toggle('lm-pointer', f >= 0);
        }
      });
    },
    _lmFilter: function (keep) {
      for (var i = 0; i < this._lmVisible.length; i++) { this._lmVisible[i] = this._lmHas[i] && keep(i) ? 1 : 0; }
      if (this._map) { this._redraw(); }
    },
    _lmShow: function (k) {
      if (!this._lmHas[k]) { return; }
      this._map.setView(worldToLatLng(this._lmX[k], this._lmY[k]), Math.max(this._map.getZoom(), 14), { animate: false });
      this._lmOpen(k);
    },
    _lmShown: function () {
      var n = 0;
      for (var i = 0; i < this._lmVisible.length; i++) { n += this._lmVisible[i]; }
      return n;
    }
  });

  function clusterIcon(cluster) {
    var children = cluster.getAllChildMarkers(), count = cluster.getChildCount(), hh = 0;
    for (var i = 0; i < children.length; i++) { hh += children[i]._lmHouseholds || 0; }
    var size = count < 10 ? 'small' : (count < 100 ? 'medium' : 'large');
    /* Only numbers enter this markup. */
    return L.divIcon({ html: '<div title="' + (+count) + ' \u00d7 ' + (+hh) + '"><span>' + (+count) + '</span></div>',
      className: 'marker-cluster lm-cluster lm-cluster-' + size, iconSize: new L.Point(40, 40) });
  }

  /* Heatmap of a case layer, weighted by households when known. */
  function heatLayer(cases, options) {
    var pts = [];
    for (var i = 0; i < cases._lmCount; i++) {
      var ll = cases._lmPoint(i);
      if (ll) { pts.push([ll.lat, ll.lng, options.weighted ? Math.max(1, cases._lmWeight(i)) : 1]); }
    }
    var heat = L.heatLayer(pts, L.extend({ radius: 20, blur: 18, minOpacity: 0.3 }, options.heat || {}));
    heat._lmSource = cases;
    cases._lmHeat = heat;
    return heat;
  }

  function registerLayer(map, spec, group, count) {
    map._lmLayers = map._lmLayers || [];
    map._lmLayers.push(group);
    status.layers[spec.id] = { expected: count, label: spec.label, kind: spec.kind };
  }

  /* Legend: one section per styled layer, rows of swatch + label. */
  function legend(map, sections, options) {
    var control = L.control({ position: options.position || 'bottomright' });
    control.onAdd = function () {
      /* A <details> element: readers on small screens can fold the legend away. */
      var outer = el('details', 'lm-legend leaflet-bar'), box = outer;
      /* "auto": folded on a small map (a notebook cell, a phone), open on a large one. */
      outer.open = options.collapsed === 'auto' ? !small(map) : !options.collapsed;
      outer._lmAuto = options.collapsed === 'auto';
      outer.addEventListener('click', function (e) {
        if (e.target && e.target.tagName === 'SUMMARY') { outer._lmUser = true; }
      });
      outer.setAttribute('aria-label', options.title || 'Legend');
      outer.appendChild(el('summary', 'lm-legend-title', options.title || 'Legend'));
      sections.forEach(function (section) {
        box.appendChild(el('div', 'lm-legend-heading', section.title));
        section.rows.forEach(function (row) {
          var item = el('div', 'lm-legend-row');
          item.setAttribute('data-term', row.term);
          var sw = el('span', 'lm-swatch lm-swatch-' + section.shape + (row.hollow ? ' lm-swatch-hollow' : ''));
          sw.style.background = row.fill;
          sw.style.borderColor = row.stroke;
          if (section.shape !== 'point') { sw.style.opacity = Math.max(0.45, row.fill_opacity); }
          item.appendChild(sw);
          item.appendChild(el('span', 'lm-legend-label', row.label));
          box.appendChild(item);
        });
      });
      L.DomEvent.disableClickPropagation(outer);
      L.DomEvent.disableScrollPropagation(outer);
      return outer;
    };
    control.addTo(map);
    return control;
  }

  /* Search by the listed columns of each layer; a hit zooms to the feature and opens its popup. */
  function search(map, options) {
    var control = L.control({ position: 'topleft' }), index = null;
    function build() {
      index = [];
      (map._lmLayers || []).forEach(function (group) {
        var spec = group._lmSpec, values = columns(spec), cols = spec.search || [];
        if (!cols.length) { return; }
        for (var i = 0; i < spec.geom.n; i++) {
          if (group._lmData && group._lmData.bbox[4 * i] === Infinity) { continue; }
          for (var c = 0; c < cols.length; c++) {
            var v = values[cols[c]] ? values[cols[c]][i] : null;
            if (v) { index.push({ text: String(v), lower: String(v).toLowerCase(), group: group, i: i }); }
          }
        }
      });
    }
    control.onAdd = function () {
      var box = el('div', 'lm-search leaflet-bar');
      var input = el('input');
      input.type = 'search';
      input.placeholder = options.placeholder || 'Search';
      input.setAttribute('aria-label', options.placeholder || 'Search');
      var list = el('ul', 'lm-search-results');
      box.appendChild(input);
      box.appendChild(list);
      input.addEventListener('input', function () {
        if (!index) { build(); }
        var q = input.value.trim().toLowerCase();
        list.textContent = '';
        if (!q) { return; }
        var hits = 0;
        for (var k = 0; k < index.length && hits < 10; k++) {
          if (index[k].lower.indexOf(q) === -1) { continue; }
          hits++;
          var hit = index[k], li = el('li'), btn = el('button', null, hit.text);
          btn.type = 'button';
          btn.appendChild(el('small', null, ' ' + hit.group._lmSpec.label));
          btn.addEventListener('click', (function (h) { return function () { show(map, h); list.textContent = ''; }; })(hit));
          li.appendChild(btn);
          list.appendChild(li);
        }
        if (!hits) { list.appendChild(el('li', 'lm-search-none', options.none || 'No match')); }
      });
      L.DomEvent.disableClickPropagation(box);
      L.DomEvent.disableScrollPropagation(box);
      return box;
    };
    control.addTo(map);
    return control;
  }

  /* Zoom to a search hit and open its popup. Point layers (clustered or drawn in bulk) know
   * how to show one of their points (_lmShow); polygon layers are fitted to the feature. */
  function show(map, hit) {
    var group = hit.group;
    if (!map.hasLayer(group)) { map.addLayer(group); }
    if (group._lmShow) {
      group._lmShow(hit.i);
      return;
    }
    map.fitBounds(group.featureBounds(hit.i), { maxZoom: 17, animate: false });
    group._lmOpen(hit.i, null);
  }

  /* Time slider over case dates: shows cases up to the chosen date. */
  function timeSlider(map, cases, options) {
    var spec = cases._lmSpec, dates = columns(spec)[options.column] || [];
    var steps = Array.from(new Set(dates.filter(function (d) { return d; }).map(function (d) { return String(d).slice(0, options.resolution || 7); }))).sort();
    if (!steps.length) { return null; }
    var control = L.control({ position: options.position || 'bottomleft' });
    control.onAdd = function () {
      var box = el('div', 'lm-time leaflet-bar');
      var label = el('label', 'lm-time-label', options.label || 'Cases up to');
      var input = el('input');
      input.type = 'range'; input.min = 0; input.max = steps.length; input.step = 1; input.value = steps.length;
      input.setAttribute('aria-label', options.label || 'Cases up to');
      var out = el('output', 'lm-time-value', options.all || 'All');
      label.appendChild(input);
      box.appendChild(label);
      box.appendChild(out);
      input.addEventListener('input', function () {
        var k = +input.value, upto = k >= steps.length ? null : steps[k];
        out.textContent = upto === null ? (options.all || 'All') : upto;
        var keep = function (i) {
          if (upto === null) { return true; }
          var d = dates[i];
          return d && String(d).slice(0, upto.length) <= upto;
        };
        cases._lmFilter(keep);
        if (cases._lmHeat) {
          var ll = [];
          for (var i = 0; i < cases._lmCount; i++) { if (keep(i) && cases._lmPoint(i)) { ll.push(cases._lmPoint(i)); } }
          cases._lmHeat.setLatLngs(ll);
        }
        box.setAttribute('data-shown', cases._lmShown());
      });
      L.DomEvent.disableClickPropagation(box);
      L.DomEvent.disableScrollPropagation(box);
      return box;
    };
    control.addTo(map);
    return control;
  }

  /* Title and notice banner across the top of the map. */
  function banner(map, options) {
    var box = el('div', 'lm-banner');
    if (options.title) { box.appendChild(el('div', 'lm-title', options.title)); document.title = options.title; }
    if (options.subtitle) { box.appendChild(el('div', 'lm-subtitle', options.subtitle)); }
    if (options.notice) {
      var n = el('div', 'lm-notice', options.notice);
      n.setAttribute('role', 'note');
      box.appendChild(n);
    }
    L.DomEvent.disableClickPropagation(box);
    map.getContainer().appendChild(box);
    return box;
  }

  function miniMap(map, options) {
    var layer;
    /* "auto": only on a map large enough that it does not crowd the other controls. */
    if (options.auto && (map.getSize().x < 900 || map.getSize().y < 600)) { return null; }
    if (options.tiles) {
      layer = L.tileLayer(options.tiles.url, { attribution: options.tiles.attribution });
    } else if (options.background) {
      layer = new BulkPolygons({ geom: options.background.geom, props: {}, popup: [], tooltip: [],
        style: { by: null, fixed: options.style } }, { lmInteractive: false });
    } else { return null; }
    var mm = new L.Control.MiniMap(layer, { toggleDisplay: true, position: 'bottomright', zoomLevelOffset: -3, width: 150, height: 150 });
    mm.addTo(map);
    mm._lmAuto = !!options.auto;
    map._lmMiniMap = mm;
    return mm;
  }

  /* A map too small for an open legend and a minimap (a notebook cell, a phone). */
  function small(map) {
    var size = map.getSize();
    return size.x < 800 || size.y < 560;
  }

  function rectOf(node) { return node.getBoundingClientRect(); }
  function shown(node) { var r = rectOf(node); return r.width > 0 && r.height > 0; }
  function meets(a, b) {
    return a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom;
  }
  function corner(map, v, h) {
    return map.getContainer().querySelector('.leaflet-' + v + '.leaflet-' + h);
  }
  function controlsIn(node) {
    return node ? Array.prototype.filter.call(node.children, shown) : [];
  }

  /* Keep the controls clear of each other: the legend's height is limited to the room the
   * right-hand column leaves, and it folds away when it would still touch another control;
   * the time slider narrows; the title banner sits between the top corners, or below the
   * top-left controls when there is no room beside them. Run on load and on every resize. */
  function arrange(map) {
    var box = rectOf(map.getContainer()), legendBox = map.getContainer().querySelector('.lm-legend');
    map.getContainer().classList.toggle('lm-compact', box.width < 700);
    if (map._lmMiniMap && map._lmMiniMap._lmAuto) {  /* the overview map only where there is room */
      map._lmMiniMap.getContainer().style.display = small(map) ? 'none' : '';
    }
    var topRight = controlsIn(corner(map, 'top', 'right')), others = [];
    var bottomRight = controlsIn(corner(map, 'bottom', 'right'));
    var bottomLeft = controlsIn(corner(map, 'bottom', 'left'));
    var topLeft = controlsIn(corner(map, 'top', 'left'));
    var time = map.getContainer().querySelector('.lm-time input');
    if (time) { time.style.width = Math.max(90, Math.min(220, box.width * 0.28)) + 'px'; }
    if (legendBox && !legendBox._lmUser && legendBox._lmAuto) { legendBox.open = !small(map); }
    if (legendBox) {
      var above = 0;
      topRight.forEach(function (c) { above = Math.max(above, rectOf(c).bottom - box.top); });
      bottomRight.forEach(function (c) { if (c !== legendBox) { above += rectOf(c).height + 10; } });
      legendBox.style.maxHeight = Math.max(60, box.height - above - 30) + 'px';
      others = [].concat(topRight, bottomLeft, topLeft, bottomRight.filter(function (c) { return c !== legendBox; }));
      var crowded = function () {
        var r = rectOf(legendBox);
        return others.some(function (c) { return meets(r, rectOf(c)); });
      };
      if (legendBox.open && !legendBox._lmUser && crowded()) { legendBox.open = false; }
      /* still touching the time slider (a narrow map): narrow the slider to the room left */
      var timeBox = map.getContainer().querySelector('.lm-time');
      if (time && timeBox && meets(rectOf(legendBox), rectOf(timeBox))) {
        var room = rectOf(legendBox).left - rectOf(timeBox).left - 10;
        var extra = rectOf(timeBox).width - rectOf(time).width;
        time.style.width = Math.max(60, room - extra) + 'px';
      }
    }
    var bannerBox = map.getContainer().querySelector('.lm-banner');
    if (bannerBox) {
      bannerBox.style.top = '8px';
      var left = 10, right = box.width - 10, top = bannerBox.offsetHeight + 16;
      topLeft.forEach(function (c) { var r = rectOf(c); if (r.top - box.top < top) { left = Math.max(left, r.right - box.left + 10); } });
      topRight.forEach(function (c) { var r = rectOf(c); if (r.top - box.top < top) { right = Math.min(right, r.left - box.left - 10); } });
      if (right - left >= Math.min(260, box.width * 0.5)) {
        bannerBox.style.left = left + 'px';
        bannerBox.style.width = (right - left) + 'px';
      } else {  /* no room beside the corners: below the top-left controls, full width */
        var below = 0;
        topLeft.forEach(function (c) { below = Math.max(below, rectOf(c).bottom - box.top); });
        bannerBox.style.left = '10px';
        bannerBox.style.width = (box.width - 20) + 'px';
        bannerBox.style.top = (below + 8) + 'px';
      }
    }
  }

  /* Called last: fit the view, then mark the map ready once the canvases have painted. */
  function ready(map, options) {
    arrange(map);
    map.on('resize', function () { arrange(map); });
    /* fonts that arrive late change the controls' sizes: arrange again once they are in */
    if (document.fonts && document.fonts.ready) {
      document.fonts.ready.then(function () { arrange(map); });
    }
    if (options.fit) {
      var b = null;
      (map._lmLayers || []).forEach(function (g) {
        if (!map.hasLayer(g) || g._lmSpec.kind === 'boundaries') { return; }
        var gb = g.getBounds ? g.getBounds() : null;
        if (gb && gb.isValid()) { b = b ? b.extend(gb) : L.latLngBounds(gb.getSouthWest(), gb.getNorthEast()); }
      });
      if (!b) {
        (map._lmLayers || []).forEach(function (g) {
          var gb = g.getBounds ? g.getBounds() : null;
          if (gb && gb.isValid()) { b = b ? b.extend(gb) : L.latLngBounds(gb.getSouthWest(), gb.getNorthEast()); }
        });
      }
      if (b) {
        /* Keep the data clear of the title banner and the legend where the screen allows. */
        var size = map.getSize(), banner = map.getContainer().querySelector('.lm-banner');
        var legendBox = map.getContainer().querySelector('.lm-legend');
        var top = banner ? Math.min(banner.offsetHeight + 16, size.y * 0.25) : 20;
        var right = legendBox ? Math.min(legendBox.offsetWidth + 20, size.x * 0.35) : 20;
        map.fitBounds(b, { paddingTopLeft: [50, top], paddingBottomRight: [right, 20],
                           maxZoom: options.maxZoom || 16, animate: false });
      }
    }
    maps.push(map);
    var started = performance.now();
    function clustering() {
      return (map._lmLayers || []).some(function (g) {
        return g._lmClustered === false && map.hasLayer(g) && performance.now() - started < 120000;
      });
    }
    function whenClustered(fn) {
      if (clustering()) { setTimeout(function () { whenClustered(fn); }, 20); } else { fn(); }
    }
    whenClustered(function () {
      arrange(map);  /* the layers are drawn: the controls have their final sizes */
      requestAnimationFrame(function () {
        requestAnimationFrame(function () {
          (map._lmLayers || []).forEach(function (g) {
            var n = 0;
            if (map.hasLayer(g)) { n = g._lmMarkers ? g._lmMarkers.length : g._lmDrawn; }
            status.layers[g._lmSpec.id].drawn = n;
          });
          status.ready = true;
          status.readyAt = performance.now();
          document.documentElement.setAttribute('data-landmap-ready', 'true');
        });
      });
    });
  }

  window.landmap = {
    varints: varints, column: column, decodePolygons: decodePolygons, decodePoints: decodePoints,
    polygonLayer: polygonLayer, pointLayer: pointLayer, heatLayer: heatLayer, legend: legend,
    search: search, timeSlider: timeSlider, banner: banner, miniMap: miniMap, ready: ready,
    arrange: arrange,
    content: content, status: status, maps: maps,
    data: function (id) { return JSON.parse(document.getElementById(id).textContent); }
  };
}());
