/* Progress of an import: polls the JSON status every 2 s and updates the <progress> bar; reloads when it ends.
   No dependency. Without JavaScript the page refreshes itself (<noscript><meta http-equiv="refresh">). */
(function () {
  "use strict";
  var box = document.querySelector("[data-status-url]");
  if (!box || !window.fetch) { return; }
  var bar = box.querySelector("progress");
  var label = document.getElementById("progress-label");
  var text = box.querySelector("[data-progress-text]");
  var url = box.getAttribute("data-status-url");
  function tick() {
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { return r.ok ? r.json() : Promise.reject(r.status); })
      .then(function (s) {
        if (s.finished) { window.location.replace(s.url); return; }
        bar.max = s.max; bar.value = s.value;
        bar.textContent = s.value + " / " + s.max;
        if (label) { label.textContent = s.status_label; }
        if (text) { text.textContent = s.text; }
        window.setTimeout(tick, 2000);
      })
      .catch(function () { window.setTimeout(tick, 5000); });
  }
  window.setTimeout(tick, 1000);
})();
