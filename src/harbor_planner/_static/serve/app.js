/* harbor-planner serve: the planning page (vendored Leaflet, no CDN, same-origin API only). */
(function () {
  "use strict";
  /* the page's words in its language, given with the page (serve/words.py: defined once) */
  var t = JSON.parse(document.getElementById("hp-words").textContent);
  var params = new URLSearchParams(location.search);
  var token = params.get("token") || "";
  var L_ = window.L, cfg = null, state = null, demand = null, selected = null;
  var savedVersion = 0;  /* the plan's version the last save or export wrote */
  var pending = Promise.resolve();  /* this page's edits in flight: Undo and Redo wait for them */
  /* saves made in another tab of this browser (probe 25R3: a tab showing the plan another tab
     saved stayed bold, and its reload asked whether to leave unsaved edits) */
  var channel = window.BroadcastChannel ? new BroadcastChannel("harbor-planner-serve-" + token) : null;
  window.addEventListener("beforeunload", function (e) {  /* probe 24S: edits lost unawares */
    if (state && state.version !== savedVersion) { e.preventDefault(); e.returnValue = ""; }
  });
  var map = L_.map("map", { preferCanvas: true });
  var renderer = L_.canvas({ padding: 0.3 });
  var demandLayer = L_.layerGroup().addTo(map), stationLayer = L_.layerGroup().addTo(map);
  var isoLayer = L_.layerGroup().addTo(map), siteLayer = L_.layerGroup().addTo(map);
  var districtLayer = null, demandMarks = [], markers = {}, job = null, tries = 0, warned = null;
  var $ = function (id) { return document.getElementById(id); };

  function api(method, path, body) {
    var opts = { method: method, headers: { "X-Token": token } };
    if (body !== undefined) { opts.headers["Content-Type"] = "application/json"; opts.body = JSON.stringify(body); }
    return fetch(path, opts).catch(function () { throw new Error(t.offline); }).then(function (r) {
      return r.json().catch(function () { return {}; }).then(function (j) {  /* a proxy's HTML page */
        if (!r.ok) { throw new Error(j.error ? (t.kinds[j.kind] || "") + j.error : t.status_error + r.status); }
        return j;
      });
    });
  }
  function say(text, ok) { var m = $("message"); m.textContent = text; m.className = ok ? "ok" : ""; }
  function done(s) { say(""); render(s); }  /* a successful edit: no old message stays */
  function fill(text, values) {  /* {key} placeholders, values inserted as they are ($& too) */
    return text.replace(/\{(\w+)\}/g, function (m, k) { return k in values ? String(values[k]) : m; });
  }
  function fail(e) {  /* and show the server's plan: another tab may have changed it */
    say(String(e.message || e));
    if (!state) { return Promise.resolve(); }
    return api("GET", "/api/state").then(function (s) { render(s); }).catch(function () {});
  }
  function edit(p) {  /* an edit of this page, handled to its end: later Undo/Redo wait for it */
    var settled = p.catch(function () {}), before = pending;
    pending = before.then(function () { return settled; });
    return p;
  }
  function markSaved(version) {  /* the plan's version the files hold, saved by this tab or another */
    savedVersion = version;
    if (state) { state.saved_version = version; $("save").style.fontWeight = state.version !== savedVersion ? "bold" : ""; }
  }
  if (channel) {
    channel.onmessage = function (e) { if (e.data && typeof e.data.saved_version === "number") { markSaved(e.data.saved_version); } };
  }
  function refused(s, act) {  /* an Undo/Redo refused: the plan changed; say what the next click acts on */
    var n = s[act + "_next"];
    if (!n) { return t.othertab; }
    var what = t["step_" + n.kind] + n.stations.join(t.sep) + (n.n > n.stations.length ? fill(t.more, { n: n.n }) : "");
    return t.othertab + fill(t.next, { act: t[act + "act"], what: what });
  }
  function fmt(x) { return x === null || x === undefined ? "–" : x.toFixed(2); }
  function bits(b64) {
    var raw = atob(b64), out = new Uint8Array(raw.length);
    for (var i = 0; i < raw.length; i++) { out[i] = raw.charCodeAt(i); }
    return function (k) { return (out[k >> 3] >> (k & 7)) & 1; };
  }
  function pctColor(p) {
    if (p === null) { return "#ccc"; }
    return p >= 80 ? "#1a7f37" : p >= 60 ? "#7fbf3f" : p >= 40 ? "#f1c40f" : p >= 20 ? "#e67e22" : "#c0392b";
  }

  function render(s) {
    state = s;
    if (s.saved_version !== undefined) { savedVersion = s.saved_version; }
    $("save").style.fontWeight = state.version !== savedVersion ? "bold" : "";  /* edits not saved */
    var f = s.figures;
    $("coverage-pct").textContent = fmt(f.coverage_pct);
    $("built-pct").textContent = fmt(f.coverage_built_pct);
    $("built-label").textContent = !f.status_given ? t.nostatus
      : f.stations_without_status ? t.built + t.withnone.replace("{n}", f.stations_without_status) : t.built;
    $("circles-pct").textContent = fmt(f.euclidean_coverage_pct);
    var off = f.stations_open - f.stations_on_network;
    $("counts").textContent = f.stations_open + " / " + f.stations + " " + t.stations +
      (off > 0 ? fill(t.offnet, { n: off, d: f.max_dist_m }) : "");
    $("undo").disabled = !s.can_undo; $("redo").disabled = !s.can_redo;
    var isCov = bits(s.covered);
    for (var i = 0; i < demandMarks.length; i++) {
      var c = isCov(demand.index[i]) ? "#1a7f37" : "#d62728";
      demandMarks[i].setStyle({ color: c, fillColor: c });
    }
    var body = $("districts").tBodies[0], pct = {}, marked = {};
    body.textContent = "";
    s.districts.forEach(function (d) {  /* a district run marks (路网未覆盖...) has no figure */
      var label = d.status && d.status !== "study" ? (cfg.district_status_labels[d.status] || d.status) : null;
      pct[d.district] = d.coverage_pct; if (label) { marked[d.district] = true; }
      var tr = document.createElement("tr");
      if (label) { tr.className = "marked"; }
      var amount = Math.round(d.demand_total).toLocaleString();
      var shown = t.district_names[d.district] || d.district;  /* (outside Chongqing): （重庆市外） */
      var cells = label ? [shown, amount, label] : [shown, amount, fmt(d.coverage_pct), fmt(d.coverage_built_pct)];
      cells.forEach(function (v, k) {
        var td = document.createElement("td"); td.textContent = v;
        if (label && k === 2) { td.colSpan = 2; }  /* the status in place of both figures */
        tr.appendChild(td);
      });
      body.appendChild(tr);
    });
    if (districtLayer) {
      districtLayer.setStyle(function (ft) {
        var name = ft.properties.district, p = pct[name];
        if (marked[name]) { return { color: "#777", weight: 1, dashArray: "4 4", fillColor: "#ccc", fillOpacity: 0.25 }; }
        return { color: "#555", weight: 1, fillColor: pctColor(p === undefined ? null : p), fillOpacity: 0.15 };
      });
    }
    if (job && job.state === "done") { refreshJob(); }
    drawStations();
  }

  function isOff(st) {  /* a station that counts (not closed) beyond the snapping distance */
    return st.off_network_m !== null && st.off_network_m !== undefined && st.status !== "closed";
  }
  function icon(st) {
    var off = isOff(st);
    return L_.divIcon({ className: "", html: '<div class="hp-st ' + (st.status || "nostatus") + (off ? " off" : "") +
      (st.id === selected ? " sel" : "") + '"></div>', iconSize: [14, 14], iconAnchor: [7, 7] });
  }
  function offText(st) {  /* the station's distance to the streets when it covers nothing */
    return fill(t.offone, { id: st.id, m: st.off_network_m, d: state.figures.max_dist_m });
  }
  function sayIfOff(id) {
    var st = state.stations.filter(function (x) { return x.id === id; })[0];
    if (st && isOff(st)) { say(offText(st)); }
  }
  function drawStations() {
    stationLayer.clearLayers(); markers = {};
    state.stations.forEach(function (st) {
      var off = isOff(st);
      var m = L_.marker([st.lat, st.lon], { icon: icon(st), draggable: true, title: off ? st.name + " – " + offText(st) : st.name,
        keyboard: false });
      m.on("click", function (e) { L_.DomEvent.stopPropagation(e); select(st.id); });
      m.on("dragend", function () {
        var p = m.getLatLng();
        edit(api("PATCH", "/api/station?id=" + encodeURIComponent(st.id), { lon: p.lng, lat: p.lat })
          .then(function (s) { done(s); sayIfOff(st.id); if (selected === st.id) { loadIso(st.id); } })
          .catch(function (e) { var f = fail(e); render(state); return f; }));
      });
      m.addTo(stationLayer); markers[st.id] = m;
      m.getElement && m.getElement() && m.getElement().setAttribute("data-station", st.id);
    });
    var sel = state.stations.filter(function (x) { return x.id === selected; })[0];
    $("selected").hidden = !sel;
    if (sel) { $("sel-name").textContent = sel.id + " " + sel.name; $("sel-status").value = sel.status; }
    else { isoLayer.clearLayers(); selected = null; }
  }
  function select(id) { selected = id; drawStations(); loadIso(id); }
  function loadIso(id) {
    api("GET", "/api/isochrones?id=" + encodeURIComponent(id)).then(function (g) {
      if (selected !== id) { return; }  /* another station selected, or this one undone, since */
      isoLayer.clearLayers();
      L_.geoJSON(g, { interactive: false, style: { color: "#1f5fbf", weight: 1, fillOpacity: 0.08 } }).addTo(isoLayer);
    }).catch(function (e) { if (selected === id) { fail(e); } });  /* not of a station undone since */
  }

  function runOptimise() {  /* the last run's sites and figure go: they are not this run's */
    var n = parseInt($("opt-n").value, 10);
    showSites([]); job = null; $("opt-progress").textContent = t.running;
    api("POST", "/api/optimize", { n_sites: n, solver: $("opt-solver").value }).then(function (j) { job = j; poll(); })
      .catch(function (e) { $("opt-progress").textContent = ""; fail(e); });  /* refused: nothing runs */
  }
  function poll() {
    api("GET", "/api/optimize/" + job.id).then(function (j) {
      job = j; tries = 0;
      $("opt-progress").textContent = optText(j);
      if (j.state === "running") { setTimeout(poll, 500); return; }
      showSites(j.sites || []);
    }).catch(function (e) {  /* a blip: ask again a few times before giving up */
      if (++tries <= 5) { setTimeout(poll, 1000); } else { fail(e); }
    });
  }
  function refreshJob() {  /* the server says whether the plan changed since the run */
    var id = job.id;
    api("GET", "/api/optimize/" + id).then(function (j) {
      if (job && job.id === id) { job = j; $("opt-progress").textContent = optText(j); }
    }).catch(function () {});
  }
  function optText(j) {  /* the run's figure holds for the stations it started from */
    var stale = j.plan_changed;
    /* the optimiser's progress lines are its log's, in English: shown on the English page only */
    var line = cfg.lang === "en" ? (j.messages.slice(-1)[0] || "") : "";
    return j.state === "running" ? t.running + " " + j.elapsed_s + " s " + line
      : j.state === "failed" ? t.failed + j.error : t.done + fmt(j.coverage_pct_after) + " %" + (stale ? t.stale : "");
  }
  function showSites(sites) {
    var box = $("opt-sites"); box.textContent = ""; siteLayer.clearLayers();
    sites.forEach(function (s) {
      var lab = document.createElement("label"), cb = document.createElement("input");
      cb.type = "checkbox"; cb.checked = true; cb.value = s.id; lab.appendChild(cb);
      lab.appendChild(document.createTextNode(" " + s.id + " " + s.name)); box.appendChild(lab);
      L_.marker([s.lat, s.lon], { icon: L_.divIcon({ className: "", html: '<div class="hp-site"></div>', iconSize: [12, 12] }),
        title: s.name }).addTo(siteLayer);
    });
    $("opt-accept").hidden = sites.length === 0;
  }

  function bind() {
    map.on("click", function (e) {
      if (!$("add-mode").checked) { return; }
      edit(api("POST", "/api/stations", { lon: e.latlng.lng, lat: e.latlng.lat, status: "proposed" })
        .then(function (s) { selected = s.station.id; done(s); sayIfOff(selected); loadIso(selected); }).catch(fail));
    });
    function step(act) {  /* undo/redo the plan this page shows, not another tab's newer edit */
      edit(pending.then(function () {  /* sent once this page's own edits have landed (probe 25R3) */
        var seen = state.version;
        return api("POST", "/api/" + act + "?version=" + seen).then(function (s) {
          done(s);
          if (!s.done && s.version !== seen) { say(refused(s, act)); }
        }).catch(fail);
      }));
    }
    $("undo").onclick = function () { step("undo"); };
    $("redo").onclick = function () { step("redo"); };
    function wrote(text, r) {  /* the files hold the server's plan: show it if another tab changed it */
      markSaved(r.version);
      if (channel) { channel.postMessage({ saved_version: r.version }); }
      if (r.note) { text += t.note + r.note; }  /* e.g. the edits not saved it could not remove */
      if (r.version === state.version) { render(state); say(text, true); return; }
      api("GET", "/api/state").then(function (s) { render(s); say(text + t.newer, true); }).catch(fail);
    }
    $("save").onclick = function () { api("POST", "/api/save").then(function (r) { wrote(t.saved + r.files.join(", "), r); }).catch(fail); };
    $("export").onclick = function () { say(t.running, true); api("POST", "/api/export").then(function (r) { wrote(t.exported + r.dir, r); }).catch(fail); };
    $("sel-status").onchange = function () {
      edit(api("PATCH", "/api/station?id=" + encodeURIComponent(selected), { status: this.value }).then(done).catch(fail));
    };
    $("sel-delete").onclick = function () {
      edit(api("DELETE", "/api/station?id=" + encodeURIComponent(selected)).then(function (s) { selected = null; done(s); }).catch(fail));
    };
    $("opt-run").onclick = runOptimise;
    $("opt-accept").onclick = function () {
      var ids = Array.prototype.map.call(document.querySelectorAll("#opt-sites input:checked"), function (c) { return c.value; });
      var accept = function () {
        edit(api("POST", "/api/optimize/" + job.id + "/accept", { site_ids: ids }).then(function (s) {
          showSites([]); job = null; $("opt-progress").textContent = ""; done(s);
        }).catch(fail));
      };
      if (warned === job.id) { accept(); return; }
      api("GET", "/api/optimize/" + job.id).then(function (j) {  /* another tab may have edited */
        job = j; $("opt-progress").textContent = optText(j);
        if (j.plan_changed) { warned = j.id; say(t.staleagain); return; }
        accept();
      }).catch(fail);
    };
  }

  function start() {
    Promise.all([api("GET", "/api/config"), api("GET", "/api/state"), api("GET", "/api/demand"), api("GET", "/api/districts")])
      .then(function (r) {
        cfg = r[0]; demand = r[2];
        document.querySelectorAll("[data-t]").forEach(function (el) { el.textContent = t[el.getAttribute("data-t")] || ""; });
        $("coverage-label").textContent = t.coverage.replace("{m}", String(+cfg.minutes));
        $("basis").textContent = cfg.basis || "";  /* minutes, speed, walk model, demand */
        $("title").textContent = cfg.title || "harbor-planner";
        ["existing", "building", "proposed", "candidate", "closed", ""].forEach(function (s) {
          var o = document.createElement("option"); o.value = s; o.textContent = t[s || "none"]; $("sel-status").appendChild(o);
        });
        cfg.solvers.forEach(function (s) { var o = document.createElement("option"); o.value = s; o.textContent = t.solvers[s] || s; $("opt-solver").appendChild(o); });
        $("opt-n").value = cfg.n_sites_default;
        districtLayer = L_.geoJSON(r[3], { interactive: false }).addTo(map);
        for (var i = 0; i < demand.lon.length; i++) {
          demandMarks.push(L_.circleMarker([demand.lat[i], demand.lon[i]], { renderer: renderer, radius: 2, weight: 0,
            fillOpacity: 0.7, interactive: false }).addTo(demandLayer));
        }
        var b = L_.latLngBounds(demand.lat.map(function (y, k) { return [y, demand.lon[k]]; }));
        map.fitBounds(b.isValid() ? b : [[29.5, 106.5], [29.6, 106.6]]);
        bind(); render(r[1]);
        document.body.setAttribute("data-ready", "1");
      }).catch(fail);
  }
  start();
}());
