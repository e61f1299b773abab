/* folium-compat.js (part of landmap, MIT): the two things folium's own templates ask of jQuery,
 * without jQuery -- $(`<div>...</div>`)[0] for popup content and $(document).ready(fn). */
(function () {
  'use strict';
  if (window.$) { return; }
  window.$ = function (x) {
    if (typeof x === 'string') {
      var t = document.createElement('template');
      t.innerHTML = x.trim();
      return [t.content.firstChild];
    }
    return {
      ready: function (fn) {
        if (document.readyState !== 'loading') { fn(); } else { document.addEventListener('DOMContentLoaded', fn); }
      }
    };
  };
}());
