/* landmap.js — the small runtime of landmap's interactive maps (MIT licence, part of landmap).
 *
 * Decodes the compact layer payloads written by landmap.maps.encode, draws them with Leaflet,
 * and builds popups, tooltips, the legend, search, the time slider and the notice banner.
 * Every value that comes from data reaches the page through textContent or a DOM attribute,
 * never through innerHTML, so a description holding markup shows as text.
 */
(function () {
  'use strict';

  var ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
  var DIGIT = new Int8Array(128).fill(-1);
  for (var a = 0; a < ALPHABET.length; a++) { DIGIT[ALPHABET.charCodeAt(a)] = a; }

  var status = { layers: {}, ready: false, errors: [] };
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

  /* Decode a column: {"d": dictionary, "i": codes} or {"v": values}. */
  function column(col, n) {
    if (!col) { return new Array(n).fill(null); }
    if (col.v) { return col.v; }
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

  /* Polygons: one Leaflet latlngs structure per feature (null when it has no geometry). */
  function decodePolygons(geom) {
    if (geom._decoded) { return geom._decoded; }
    var heads = varints(geom.h), xy = varints(geom.c), q = geom.q;
    var ox = geom.o[0], oy = geom.o[1], x = 0, y = 0, k = 0;
    var features = [], feature = null, part = null;
    for (var r = 0; r < heads.length; r++) {
      var npts = Math.floor(heads[r] / 4), flag = heads[r] % 4;
      if (flag === 2) { feature = []; features.push(feature); part = null; }
      if (flag !== 0 || part === null) { part = []; feature.push(part); }
      var ring = new Array(npts);
      for (var p = 0; p < npts; p++) {
        x += unzig(xy[k++]); y += unzig(xy[k++]);
        ring[p] = new L.LatLng(oy + y * q, ox + x * q);
      }
      if (npts) { part.push(ring); }
    }
    for (var f = 0; f < features.length; f++) {
      var parts = features[f].filter(function (pt) { return pt.length; });
      features[f] = parts.length === 0 ? null : (parts.length === 1 ? parts[0] : parts);
    }
    geom._decoded = features;
    return features;
  }

  function decodePoints(geom) {
    if (geom._decoded) { return geom._decoded; }
    var xy = varints(geom.c), q = geom.q, ox = geom.o[0], oy = geom.o[1];
    var x = 0, y = 0, out = new Array(geom.n);
    for (var i = 0; i < geom.n; i++) {
      x += unzig(xy[2 * i]); y += unzig(xy[2 * i + 1]);
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

  function styleOf(spec, i) {
    var s = spec.style, values = columns(spec);
    if (!s.by) { return s.fixed; }
    var term = values[s.by] ? values[s.by][i] : null;
    return (term !== null && s.terms[term]) || s.fallback;
  }

  function bindContent(group, spec) {
    if (spec.popup && spec.popup.length) {
      group.bindPopup(function (layer) { return content(spec, layer._lmIndex, spec.popup, false); },
        { maxWidth: 340, autoPanPadding: [20, 20] });
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

  /* A polygon layer (concessions, areas, overlaps, boundaries, parcels). */
  function polygonLayer(map, spec) {
    var feats = decodePolygons(spec.geom), group = L.featureGroup(), drawn = 0;
    var opts = { renderer: renderer(map, spec.pane), interactive: spec.interactive !== false,
                 smoothFactor: 0.5 };
    var cache = {};
    for (var i = 0; i < feats.length; i++) {
      if (!feats[i]) { continue; }
      var st = styleOf(spec, i), key = st.fillColor + st.color;
      var o = cache[key];
      if (!o) { o = cache[key] = L.extend({}, opts, st); }
      var poly = new L.Polygon(feats[i], o);
      poly._lmIndex = i;
      group.addLayer(poly);
      drawn++;
    }
    bindContent(group, spec);
    group._lmSpec = spec;
    group._lmCount = drawn;
    group._lmFeatures = function (i) { return group._lmByIndex ? group._lmByIndex[i] : null; };
    registerLayer(map, spec, group, drawn);
    return group;
  }

  function radius(spec, hh) {
    var s = spec.size;
    if (!s || hh === null || hh === undefined || hh === '' || isNaN(+hh)) { return s ? s.min : 6; }
    return Math.max(s.min, Math.min(s.max, s.min + s.k * Math.sqrt(Math.max(0, +hh))));
  }

  /* A case layer: circle markers styled by type, sized by households, optionally clustered. */
  function pointLayer(map, spec) {
    var pts = decodePoints(spec.geom), values = columns(spec), markers = new Array(pts.length);
    var sizeCol = spec.size ? values[spec.size.by] : null;
    var rend = renderer(map, spec.pane);
    for (var i = 0; i < pts.length; i++) {
      var st = styleOf(spec, i), hh = sizeCol ? sizeCol[i] : null;
      var m = new L.CircleMarker(pts[i], L.extend({ renderer: rend, radius: radius(spec, hh) }, st));
      m._lmIndex = i;
      m._lmHouseholds = hh === null || hh === undefined || isNaN(+hh) ? 0 : +hh;
      markers[i] = m;
    }
    var group;
    if (spec.cluster && L.markerClusterGroup) {
      group = L.markerClusterGroup({
        chunkedLoading: true, spiderfyOnMaxZoom: true, showCoverageOnHover: false,
        maxClusterRadius: spec.cluster.radius || 50, disableClusteringAtZoom: spec.cluster.disableAt || null,
        iconCreateFunction: clusterIcon
      });
    } else {
      group = L.featureGroup();
    }
    group._lmMarkers = markers;
    group._lmSpec = spec;
    group.addLayers ? group.addLayers(markers) : markers.forEach(function (m) { group.addLayer(m); });
    bindContent(group, spec);
    registerLayer(map, spec, group, markers.length);
    return group;
  }

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
    var pts = cases._lmMarkers.map(function (m) {
      var ll = m.getLatLng();
      return [ll.lat, ll.lng, options.weighted ? Math.max(1, m._lmHouseholds) : 1];
    });
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
      var box = el('div', 'lm-legend leaflet-bar');
      box.setAttribute('role', 'region');
      box.setAttribute('aria-label', options.title || 'Legend');
      if (options.title) { box.appendChild(el('div', 'lm-legend-title', options.title)); }
      sections.forEach(function (section) {
        box.appendChild(el('div', 'lm-legend-heading', section.title));
        section.rows.forEach(function (row) {
          var item = el('div', 'lm-legend-row');
          item.setAttribute('data-term', row.term);
          var sw = el('span', 'lm-swatch lm-swatch-' + section.shape);
          sw.style.background = row.fill;
          sw.style.borderColor = row.stroke;
          if (section.shape !== 'point') { sw.style.opacity = Math.max(0.45, row.fill_opacity); }
          item.appendChild(sw);
          item.appendChild(el('span', 'lm-legend-label', row.label));
          box.appendChild(item);
        });
      });
      L.DomEvent.disableClickPropagation(box);
      L.DomEvent.disableScrollPropagation(box);
      return box;
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
        var byIndex = {};
        group.eachLayer ? eachChild(group, function (layer) { byIndex[layer._lmIndex] = layer; }) : null;
        for (var i = 0; i < spec.geom.n; i++) {
          if (!byIndex[i]) { continue; }
          for (var c = 0; c < cols.length; c++) {
            var v = values[cols[c]] ? values[cols[c]][i] : null;
            if (v) { index.push({ text: String(v), lower: String(v).toLowerCase(), group: group, layer: byIndex[i], i: i, col: cols[c] }); }
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

  function eachChild(group, fn) {
    if (group._lmMarkers) { group._lmMarkers.forEach(fn); } else { group.eachLayer(fn); }
  }

  function show(map, hit) {
    var spec = hit.group._lmSpec, layer = hit.layer;
    function open() {
      var at = layer.getLatLng ? layer.getLatLng() : layer.getBounds().getCenter();
      L.popup({ maxWidth: 340 }).setLatLng(at).setContent(content(spec, hit.i, spec.popup || [], false)).openOn(map);
    }
    if (!map.hasLayer(hit.group)) { map.addLayer(hit.group); }
    if (hit.group.zoomToShowLayer) { hit.group.zoomToShowLayer(layer, open); return; }
    if (layer.getBounds) { map.fitBounds(layer.getBounds(), { maxZoom: 16 }); } else { map.setView(layer.getLatLng(), 15); }
    open();
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
        var keep = cases._lmMarkers.filter(function (m) {
          if (upto === null) { return true; }
          var d = dates[m._lmIndex];
          return d && String(d).slice(0, upto.length) <= upto;
        });
        if (cases.clearLayers) { cases.clearLayers(); }
        if (cases.addLayers) { cases.addLayers(keep); } else { keep.forEach(function (m) { cases.addLayer(m); }); }
        if (cases._lmHeat) { cases._lmHeat.setLatLngs(keep.map(function (m) { return m.getLatLng(); })); }
        box.setAttribute('data-shown', keep.length);
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
    if (options.tiles) {
      layer = L.tileLayer(options.tiles.url, { attribution: options.tiles.attribution });
    } else if (options.background) {
      var feats = decodePolygons(options.background.geom);
      layer = L.featureGroup();
      var r = L.canvas({ padding: 0.1 });
      feats.forEach(function (f) { if (f) { layer.addLayer(new L.Polygon(f, L.extend({ renderer: r, interactive: false }, options.style))); } });
    } else { return null; }
    var mm = new L.Control.MiniMap(layer, { toggleDisplay: true, position: 'bottomright', zoomLevelOffset: -4, width: 150, height: 150 });
    mm.addTo(map);
    return mm;
  }

  /* Called last: fit the view, then mark the map ready once the canvases have painted. */
  function ready(map, options) {
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
      if (b) { map.fitBounds(b, { padding: [20, 20], maxZoom: options.maxZoom || 16, animate: false }); }
    }
    maps.push(map);
    requestAnimationFrame(function () {
      requestAnimationFrame(function () {
        (map._lmLayers || []).forEach(function (g) {
          var n = 0;
          if (map.hasLayer(g)) { g._lmMarkers ? (n = g._lmMarkers.length) : g.eachLayer(function (l) { if (l._map) { n++; } }); }
          status.layers[g._lmSpec.id].drawn = n;
        });
        status.ready = true;
        document.documentElement.setAttribute('data-landmap-ready', 'true');
      });
    });
  }

  window.landmap = {
    varints: varints, decodePolygons: decodePolygons, decodePoints: decodePoints,
    polygonLayer: polygonLayer, pointLayer: pointLayer, heatLayer: heatLayer, legend: legend,
    search: search, timeSlider: timeSlider, banner: banner, miniMap: miniMap, ready: ready,
    content: content, status: status, maps: maps,
    data: function (id) { return JSON.parse(document.getElementById(id).textContent); }
  };
}());
