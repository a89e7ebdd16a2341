// bxmlsim report, the interactive layer (the page reads fully without it):
// - the player: one virtual clock for the whole call; a cursor on every lane; each recording's
//   <audio> plays while its recording covers the cursor (synced to the file time of that
//   moment), and the cursor runs on in silence over time no recording covers;
// - zoom and pan of the time axis (buttons, keys, wheel, drag, the minimap), with the labels laid
//   out again in pixels at each scale: never overlapping, cut with an ellipsis only when there
//   is no room (the tooltip and the accessible name keep the full text);
// - one selection tying a verb's bars, its steps and its line in the BXML pane together;
// - the narration line of what is under the cursor (each item's data-say, lane by lane).
// The rules mirror simulator/report/layout.py (TICK_STEPS, MAX_ROWS, clock).
(function () {
  "use strict";
  var doc = document;

  function reveal() {
    var id = decodeURIComponent(location.hash.slice(1));
    var target = id && doc.getElementById(id);
    for (var node = target; node; node = node.parentElement) {
      if (node.tagName === "DETAILS") { node.open = true; }
    }
    return target;
  }
  window.addEventListener("hashchange", function () { fromHash(reveal()); });
  var initialTarget = reveal();
  doc.querySelectorAll("button[data-toggle]").forEach(function (button) {
    button.addEventListener("click", function () {
      var open = button.getAttribute("data-toggle") === "open";
      doc.querySelectorAll("details.callback").forEach(function (d) { d.open = open; });
    });
  });

  var dataNode = doc.getElementById("report-data");
  var legsNode = doc.getElementById("legs");
  if (!dataNode || !legsNode) { return; }
  var data = JSON.parse(dataNode.textContent);
  doc.documentElement.classList.add("js");

  var TICK_STEPS = [0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900,
                    1800, 3600, 7200, 14400, 28800];
  var MAX_TICKS = 12, MAX_ROWS = 8, GAP = 6, MIN_LABEL = 12, PAD = 4, MARK = 4, DENSE = 0.5;
  var END = data.end > 0 ? data.end : 1;
  var MIN_SPAN = Math.min(0.2, END);
  var view = {start: 0, stop: END};
  var cursor = 0;
  var rowPx = parseFloat(getComputedStyle(doc.documentElement).fontSize) * 1.4;  // --row

  function clock(seconds, digits) {
    digits = digits === undefined ? 1 : digits;
    var scale = Math.pow(10, digits);
    var total = Math.round(Math.max(seconds, 0) * scale);
    var whole = Math.floor(total / scale), frac = total - whole * scale;
    var h = Math.floor(whole / 3600), m = Math.floor(whole % 3600 / 60), s = whole % 60;
    var text = (m < 10 ? "0" : "") + m + ":" + (s < 10 ? "0" : "") + s +
      (digits ? "." + String(frac).padStart(digits, "0") : "");
    return h ? h + ":" + text : text;
  }
  function tickLabel(at, step) {
    if (step >= 60 || (at >= 120 && step >= 1)) { return clock(at, 0); }
    return String(Math.round(at * 1000) / 1000);
  }
  function clamp(x, lo, hi) { return Math.max(lo, Math.min(hi, x)); }

  // ---- the model: lanes of items, read from the page once ----
  var legs = [].slice.call(legsNode.querySelectorAll(".leg"));
  var lanes = [], rulers = [], byKey = {}, allItems = [];
  legs.forEach(function (leg, legIndex) {
    leg.querySelectorAll(".lane").forEach(function (laneNode) {
      var track = laneNode.querySelector(".track");
      var line = doc.createElement("span");
      line.className = "cursor";
      track.appendChild(line);
      if (laneNode.classList.contains("axis")) {
        rulers.push({track: track, cursor: line});
        return;
      }
      var lane = {track: track, cursor: line, leg: legIndex, items: [], grid: []};
      track.querySelectorAll(".item").forEach(function (a) {
        var e = a.getAttribute("data-e");
        var it = {el: a, lbl: a.querySelector(".lbl"), s: +a.getAttribute("data-s"),
                  e: e === null ? null : +e, u: +a.getAttribute("data-u"),
                  v: a.getAttribute("data-v"), g: a.getAttribute("data-g") || "",
                  say: a.getAttribute("data-say") || "", bar: e !== null, attached: true,
                  title: a.getAttribute("title") || "",
                  inside: a.hasAttribute("data-inside"),
                  now: false, lane: lane};
        a.classList.remove("flip", "out");
        a.style.right = "";
        lane.items.push(it);
        allItems.push(it);
        if (it.v) { (byKey[it.v] = byKey[it.v] || []).push(it); }
      });
      lane.items.sort(function (a, b) { return a.s - b.s; });  // time order, also for Tab
      lane.items.forEach(function (it) { track.insertBefore(it.el, line); });
      lanes.push(lane);
    });
  });
  // natural label widths and border widths, measured once (labels are absolute, unwrapped)
  allItems.forEach(function (it) {  // whole pixels up, or an ellipsis would eat the last letters
    it.w = it.lbl ? Math.ceil(it.lbl.getBoundingClientRect().width) + 1 : 0;
    it.border = it.el.clientLeft;
  });
  var itemsById = {};
  allItems.forEach(function (it) { itemsById[it.el.id] = it; });
  var paneLines = {}, stepRows = {};
  doc.querySelectorAll(".bl[data-v]").forEach(function (n) { (paneLines[n.getAttribute("data-v")] = paneLines[n.getAttribute("data-v")] || []).push(n); });
  doc.querySelectorAll("#steps tr[data-v]").forEach(function (n) { (stepRows[n.getAttribute("data-v")] = stepRows[n.getAttribute("data-v")] || []).push(n); });

  // ---- layout of the visible window ----
  function ticks(start, stop) {
    var last = TICK_STEPS[TICK_STEPS.length - 1], span = Math.max(stop - start, 1e-9);
    var step = last * Math.ceil(span / (MAX_TICKS * last));  // past the table: multiples of its last step, as layout.ticks
    for (var i = 0; i < TICK_STEPS.length; i++) { if (span / TICK_STEPS[i] <= MAX_TICKS) { step = TICK_STEPS[i]; break; } }
    var out = [];
    for (var k = Math.ceil(start / step - 1e-9); k * step <= stop + 1e-9; k++) {
      var at = Math.round(k * step * 1e6) / 1e6;
      out.push({at: at, frac: (at - start) / span, label: tickLabel(at, step)});
    }
    return out;
  }

  function drawTicks(width) {
    var marks = ticks(view.start, view.stop);
    rulers.forEach(function (r) {
      r.track.querySelectorAll(".tick").forEach(function (n) { n.remove(); });
      marks.forEach(function (t, i) {
        var n = doc.createElement("span");
        n.className = "tick" + (i === 0 && t.frac < 0.02 ? " first" : t.frac > 0.97 ? " last" : "");
        n.style.left = (t.frac * width) + "px";
        n.textContent = t.label;
        r.track.insertBefore(n, r.cursor);
      });
    });
    lanes.forEach(function (lane) {
      lane.track.querySelectorAll(".grid").forEach(function (n) { n.remove(); });
      marks.forEach(function (t) {
        var n = doc.createElement("span");
        n.className = "grid";
        n.style.left = (t.frac * width) + "px";
        lane.track.insertBefore(n, lane.track.firstChild);
      });
    });
  }

  // Items out of view are taken out of the page (not hidden: on a long call thousands of
  // elements would each need their style recomputed at every zoom step) and put back in time
  // order when they come into view. In a lane denser than DENSE items a pixel, tiny items in
  // the pixel of the one before them are left out too: the one drawn says how many it stands
  // for in its tooltip ("zoom in").
  function layoutLane(lane, W, px) {
    var visible = [], inView = [], dense = 0;
    lane.items.forEach(function (it) {
      var x0 = (it.s - view.start) * px;
      var x1 = it.bar ? (it.e - view.start) * px : x0;
      it.inView = it.bar ? (x1 >= 0 && x0 <= W) : (x0 >= -0.5 && x0 <= W + 0.5);
      if (!it.inView) { return; }
      it.raw = x1 - x0;
      it.x0 = it.bar ? x0 : clamp(x0, 0, W - MARK);  // a mark at the very end stays drawn
      it.x1 = it.bar ? Math.max(x1, x0 + 3) : it.x0 + MARK;
      inView.push(it);
    });
    inView.sort(function (a, b) { return a.x0 - b.x0; });
    var crowded = inView.length > W * DENSE, last = {};
    inView.forEach(function (it) {
      var keep = last[it.g];
      if (crowded && it.raw < 2 && keep && keep.raw < 2 && it.x0 - keep.x0 < 2) {
        it.inView = false;
        keep.more += 1;
        dense += 1;
        return;
      }
      it.more = 0;
      last[it.g] = it;
      visible.push(it);
    });
    attach(lane);
    if (dense || lane.dense) {
      visible.forEach(function (it) {
        var title = it.more ? it.title + " (and " + it.more + " more here: zoom in)" : it.title;
        if (it.el.title !== title) { it.el.title = title; it.el.setAttribute("aria-label", title); }
      });
    }
    lane.dense = dense;
    var groups = [], byGroup = {};
    visible.forEach(function (it) {
      if (!byGroup[it.g]) { byGroup[it.g] = []; groups.push(byGroup[it.g]); }
      byGroup[it.g].push(it);
    });
    var offset = 0;
    groups.forEach(function (members) {
      var rows = [];
      members.forEach(function (it) {
        wanted(it, W);
        var r = -1, i;
        for (i = 0; i < rows.length; i++) { if (rows[i].label + GAP <= it.ext0) { r = i; break; } }
        if (r < 0 && rows.length < MAX_ROWS) {
          rows.push({label: -Infinity, body: -Infinity, items: []});
          r = rows.length - 1;
        } else if (r < 0) {
          for (i = 0; i < rows.length; i++) {
            if (rows[i].body + GAP <= it.x0 && (r < 0 || rows[i].label < rows[r].label)) { r = i; }
          }
          if (r < 0) { rows.push({label: -Infinity, body: -Infinity, items: []}); r = rows.length - 1; }
        }
        rows[r].label = Math.max(rows[r].label, it.ext1);
        rows[r].body = Math.max(rows[r].body, it.x1);
        rows[r].items.push(it);
        it.row = offset + r;
      });
      rows.forEach(function (row) { fitLabels(row.items, W); });
      offset += rows.length;
    });
    lane.track.style.height = (Math.max(offset, 1) * rowPx + 5) + "px";
  }

  // where an item's label would like to be: inside a bar that holds it, else after the bar (or
  // before it near the right edge); after a mark, or before it near the right edge
  // put the items in view into the track and take the others out, keeping time order
  function attach(lane) {
    var next = lane.cursor;  // items go before the cursor line, in lane order
    for (var i = lane.items.length - 1; i >= 0; i--) {
      var it = lane.items[i];
      if (it.inView && !it.attached) { lane.track.insertBefore(it.el, next); it.attached = true; }
      else if (!it.inView && it.attached) { it.el.remove(); it.attached = false; }
      if (it.attached) { next = it.el; }
    }
  }

  function wanted(it, W) {
    var w = it.w;
    if (it.bar) {
      var inner = Math.min(it.x1, W) - Math.max(it.x0, 0) - 2 * PAD;
      if (w <= inner || it.inside) { it.mode = "in"; }
      else if (it.x1 + 3 + w <= W) { it.mode = "after"; }
      else if (it.x0 - 3 - w >= 0) { it.mode = "before"; }
      else { it.mode = "in"; }
    } else {
      it.mode = (it.x0 + MARK + 3 + w <= W || it.x0 - 3 - w < 0) ? "after" : "before";
    }
    if (it.mode === "in") { it.ext0 = it.x0; it.ext1 = it.x1; }
    else if (it.mode === "after") { it.ext0 = it.x0; it.ext1 = it.x1 + 3 + w; }
    else { it.ext0 = it.x0 - 3 - w; it.ext1 = it.x1; }
  }

  // labels of one row, left to right: each gets the room up to its neighbour, cut if needed
  function fitLabels(items, W) {
    var previousEnd = -Infinity;
    items.forEach(function (it, i) {
      var next = items[i + 1];
      var hi = Math.min(next ? next.ext0 - GAP : W, W);
      var start, room;
      if (it.mode === "before") {
        var end = it.x0 - 3;
        start = Math.max(previousEnd + GAP, 0, end - it.w);
        room = end - start;
      } else if (it.mode === "after") {
        start = it.x1 + 3;
        room = hi - start;
        var inner = Math.min(it.x1, W) - Math.max(it.x0, 0) - 2 * PAD;
        if (it.bar && room < it.w && inner > room) { it.mode = "in"; it.ext1 = it.x1; }
      }
      if (it.mode === "in") {
        start = Math.max(it.x0, 0) + PAD;
        room = Math.min(it.x1 - PAD, hi) - start;
      }
      var width = Math.min(it.w, Math.max(room, 0));
      var el = it.el, lbl = it.lbl;
      el.style.left = it.x0 + "px";
      el.style.top = (it.row * rowPx + 2) + "px";
      if (it.bar) { el.style.width = Math.max(it.x1 - it.x0, 3) + "px"; }
      if (!lbl) { return; }
      if (width < Math.min(MIN_LABEL, it.w)) {
        lbl.style.display = "none";
        previousEnd = it.x1;
      } else {
        lbl.style.display = "";
        lbl.style.left = (start - it.x0 - it.border) + "px";
        lbl.style.width = width + "px";
        lbl.classList.toggle("outside", it.mode !== "in" && it.bar);
        previousEnd = Math.max(it.x1, start + width);
      }
      el.classList.toggle("cut", width < it.w - 0.5);
    });
  }

  var windowOut = doc.getElementById("window");
  function render() {
    var W = lanes.length ? lanes[0].track.clientWidth : (rulers.length ? rulers[0].track.clientWidth : 0);
    if (!W) { return; }
    var px = W / (view.stop - view.start);
    drawTicks(W);
    lanes.forEach(function (lane) { layoutLane(lane, W, px); });
    if (windowOut) {
      windowOut.textContent = clock(view.start) + " – " + clock(view.stop) + " shown of " + clock(END);
    }
    drawMinimap();
    drawCursor();
  }
  var pending = false;
  function schedule() {
    if (pending) { return; }
    pending = true;
    requestAnimationFrame(function () { pending = false; render(); });
  }

  // ---- zoom and pan ----
  function setView(start, stop) {
    var span = clamp(stop - start, MIN_SPAN, END);
    start = clamp(start, 0, END - span);
    view.start = start;
    view.stop = start + span;
    render();
  }
  function zoom(factor, anchor) {
    var span = view.stop - view.start;
    if (anchor === undefined) {
      anchor = cursor >= view.start && cursor <= view.stop ? cursor : (view.start + view.stop) / 2;
    }
    var next = clamp(span / factor, MIN_SPAN, END);
    setView(anchor - (anchor - view.start) * next / span, anchor - (anchor - view.start) * next / span + next);
  }
  function pan(fraction) {
    var span = view.stop - view.start;
    setView(view.start + fraction * span, view.stop + fraction * span);
  }
  function show(start, stop) {  // bring [start, stop] into view, keeping the scale if it fits
    var span = view.stop - view.start;
    if (start >= view.start && stop <= view.stop) { return; }
    if (stop - start > span) { setView(start - 0.05 * (stop - start), stop + 0.05 * (stop - start)); }
    else { setView(start - 0.1 * span, start + 0.9 * span); }
  }
  function timeAt(track, clientX) {
    var box = track.getBoundingClientRect();
    return view.start + (clientX - box.left) / box.width * (view.stop - view.start);
  }

  doc.querySelectorAll("[data-zoom]").forEach(function (b) {
    b.addEventListener("click", function () {
      var how = b.getAttribute("data-zoom");
      if (how === "fit") { setView(0, END); } else { zoom(how === "in" ? 2 : 0.5); }
    });
  });
  doc.querySelectorAll("[data-pan]").forEach(function (b) {
    b.addEventListener("click", function () { pan(0.25 * +b.getAttribute("data-pan")); });
  });

  legsNode.addEventListener("wheel", function (event) {
    var track = event.target.closest && event.target.closest(".track");
    if (!track) { return; }
    var onRuler = track.classList.contains("ruler");
    if (event.ctrlKey || event.metaKey || onRuler) {
      event.preventDefault();
      var delta = event.deltaY || event.deltaX;
      zoom(Math.pow(1.0025, -delta), timeAt(track, event.clientX));
    } else if (Math.abs(event.deltaX) > Math.abs(event.deltaY) || event.shiftKey) {
      event.preventDefault();
      var d = event.shiftKey && !event.deltaX ? event.deltaY : event.deltaX;
      pan(d / track.getBoundingClientRect().width);
    }
  }, {passive: false});

  var drag = null;
  legsNode.addEventListener("pointerdown", function (event) {
    var track = event.target.closest && event.target.closest(".track");
    if (!track || event.button !== 0) { return; }
    drag = {x: event.clientX, start: view.start, stop: view.stop, track: track, moved: false,
            item: event.target.closest(".item")};
  });
  window.addEventListener("pointermove", function (event) {
    if (!drag) { return; }
    var dx = event.clientX - drag.x;
    if (!drag.moved && Math.abs(dx) < 4) { return; }
    drag.moved = true;
    var perPx = (drag.stop - drag.start) / drag.track.getBoundingClientRect().width;
    setView(drag.start - dx * perPx, drag.stop - dx * perPx);
  });
  var dragged = false;  // the click that ends a drag selects nothing
  window.addEventListener("pointerup", function (event) {
    if (!drag) { return; }
    var d = drag;
    drag = null;
    dragged = d.moved;
    if (!d.moved && !d.item) { seek(timeAt(d.track, event.clientX)); }
  });
  legsNode.addEventListener("click", function (event) {
    var a = event.target.closest && event.target.closest("a.item");
    if (!a) { return; }
    event.preventDefault();
    if (dragged) { dragged = false; return; }
    var it = itemsById[a.id];
    select(it);
    seek(it.s);
  });
  legsNode.addEventListener("dblclick", function (event) {
    var a = event.target.closest && event.target.closest("a.item");
    if (!a) { return; }
    var it = itemsById[a.id];
    var stop = it.bar ? it.e : it.s + 1;
    var margin = Math.max((stop - it.s) * 0.15, 0.2);
    setView(it.s - margin, stop + margin);
  });
  legsNode.addEventListener("keydown", function (event) {
    if (event.altKey || event.ctrlKey || event.metaKey) { return; }
    var key = event.key, span = view.stop - view.start, handled = true;
    if (key === "+" || key === "=") { zoom(2); }
    else if (key === "-" || key === "_") { zoom(0.5); }
    else if (key === "0") { setView(0, END); }
    else if (key === "ArrowLeft") { pan(event.shiftKey ? -1 : -0.25); }
    else if (key === "ArrowRight") { pan(event.shiftKey ? 1 : 0.25); }
    else if (key === "Home") { seek(0); setView(0, span); }
    else if (key === "End") { seek(END); setView(END - span, END); }
    else if (key === " " || key === "k") { toggle(); }
    else if (key === "Escape") { select(null); }
    else { handled = false; }
    if (handled) { event.preventDefault(); }
  });
  window.addEventListener("resize", schedule);

  // ---- the minimap ----
  var mini = doc.getElementById("minimap");
  var miniWindow = null, miniCursor = null;
  if (mini) {
    miniWindow = doc.createElement("div");
    miniWindow.className = "mm-window";
    miniCursor = doc.createElement("div");
    miniCursor.className = "mm-cursor";
    mini.appendChild(miniWindow);
    mini.appendChild(miniCursor);
    var miniDrag = null;
    var miniTime = function (clientX) {
      var box = mini.getBoundingClientRect();
      return clamp((clientX - box.left) / box.width, 0, 1) * END;
    };
    mini.addEventListener("pointerdown", function (event) {
      var span = view.stop - view.start, at = miniTime(event.clientX);
      if (event.target !== miniWindow) { setView(at - span / 2, at + span / 2); }
      miniDrag = {x: event.clientX, start: view.start, span: span};
      event.preventDefault();
    });
    window.addEventListener("pointermove", function (event) {
      if (!miniDrag) { return; }
      var box = mini.getBoundingClientRect();
      var start = miniDrag.start + (event.clientX - miniDrag.x) / box.width * END;
      setView(start, start + miniDrag.span);
    });
    window.addEventListener("pointerup", function () { miniDrag = null; });
    mini.addEventListener("wheel", function (event) {
      event.preventDefault();
      zoom(Math.pow(1.0025, -(event.deltaY || event.deltaX)), miniTime(event.clientX));
    }, {passive: false});
  }
  function drawMinimap() {
    if (!miniWindow) { return; }
    miniWindow.style.left = (view.start / END * 100) + "%";
    miniWindow.style.width = ((view.stop - view.start) / END * 100) + "%";
  }

  // ---- the cursor, what is under it, and the narration ----
  var clockOut = doc.getElementById("clock"), seekInput = doc.getElementById("seek");
  var narration = doc.getElementById("narration");
  var nowKeys = {};
  var waves = [].slice.call(doc.querySelectorAll("figure.wave[data-rec]")).map(function (f) {
    return {rec: (data.recordings || []).filter(function (r) { return r.id === f.getAttribute("data-rec"); })[0],
            seconds: +f.getAttribute("data-seconds"), lines: [].slice.call(f.querySelectorAll(".wave-cursor"))};
  });
  function fileTime(rec, t) {
    if (!rec) { return null; }
    for (var i = 0; i < rec.segments.length; i++) {
      var seg = rec.segments[i];
      if (t >= seg[0] && t < seg[1]) { return seg[2] + (t - seg[0]); }
    }
    return null;
  }
  function drawCursor() {
    var W = lanes.length ? lanes[0].track.clientWidth : 0;
    var x = (cursor - view.start) / (view.stop - view.start) * W;
    var hidden = cursor < view.start || cursor > view.stop;
    lanes.concat(rulers).forEach(function (l) {
      l.cursor.style.display = hidden ? "none" : "";
      l.cursor.style.left = x + "px";
    });
    if (miniCursor) { miniCursor.style.left = (cursor / END * 100) + "%"; }
  }
  function setCursor(t) {
    cursor = clamp(t, 0, END);
    drawCursor();
    var text = clock(cursor);
    if (clockOut) { clockOut.textContent = text; }
    if (seekInput) { seekInput.value = cursor; seekInput.setAttribute("aria-valuetext", text); }
    var parts = data.legs.map(function () { return []; }), keys = {};
    lanes.forEach(function (lane) {
      lane.items.forEach(function (it) {
        var on = it.s <= cursor && cursor < it.u;
        if (on !== it.now) { it.now = on; it.el.classList.toggle("now", on); }
        if (on) {
          if (parts[lane.leg].indexOf(it.say) < 0) { parts[lane.leg].push(it.say); }
          if (it.v) { keys[it.v] = true; }
        }
      });
    });
    Object.keys(nowKeys).forEach(function (k) { if (!keys[k]) { mark(k, "now", false); } });
    Object.keys(keys).forEach(function (k) { if (!nowKeys[k]) { mark(k, "now", true); } });
    nowKeys = keys;
    var said = [];
    parts.forEach(function (p, i) {
      if (p.length) { said.push((data.legs.length > 1 ? data.legs[i] + ": " : "") + p.join("; ")); }
    });
    if (narration) { narration.textContent = text + " " + (said.length ? said.join(" · ") : "nothing happening"); }
    waves.forEach(function (wave) {
      var ft = fileTime(wave.rec, cursor);
      wave.lines.forEach(function (line) {
        line.setAttribute("visibility", ft === null ? "hidden" : "visible");
        if (ft !== null && wave.seconds) {
          var x = ft / wave.seconds * 600;
          line.setAttribute("x1", x); line.setAttribute("x2", x);
        }
      });
    });
  }
  function mark(key, cls, on) {
    (paneLines[key] || []).concat(stepRows[key] || []).forEach(function (n) { n.classList.toggle(cls, on); });
  }

  // ---- playing: a virtual clock; recordings follow it ----
  var playButton = doc.getElementById("play"), speed = doc.getElementById("speed");
  var playing = false, wall0 = 0, t0 = 0;
  var sounds = (data.recordings || []).filter(function (r) { return r.audio; }).map(function (r) {
    var box = doc.querySelector('input[data-sound="' + r.audio + '"]');
    return {rec: r, audio: doc.getElementById(r.audio), box: box};
  }).filter(function (s) { return s.audio; });
  function rate() { return speed ? +speed.value || 1 : 1; }
  function syncAudio() {
    sounds.forEach(function (s) {
      var ft = fileTime(s.rec, cursor);
      var wanted = playing && ft !== null && (!s.box || s.box.checked) && !s.blocked;
      if (!wanted) {
        if (!s.audio.paused) { s.mine = true; s.audio.pause(); }
        return;
      }
      s.audio.playbackRate = rate();
      if (s.audio.paused) {
        s.audio.currentTime = ft;
        s.mine = true;
        var promise = s.audio.play();
        if (promise && promise.catch) {
          promise.catch(function () {  // not allowed (no user gesture) or no sound device
            if (!playing) { return; }
            s.blocked = true;  // the cursor plays on in silence; Play again retries
            if (selectionOut) { selectionOut.textContent = "The browser did not let " + s.rec.name + " play: the cursor runs on in silence."; }
          });
        }
      } else if (Math.abs(s.audio.currentTime - ft) > 0.3) {
        s.audio.currentTime = ft;
      }
    });
  }
  function frame(now) {
    if (!playing) { return; }
    var t = t0 + (now - wall0) / 1000 * rate();
    if (t >= END) { setCursor(END); stop(); return; }
    setCursor(t);
    if (cursor > view.stop || cursor < view.start) {  // follow the cursor a page at a time
      var span = view.stop - view.start;
      setView(cursor - 0.05 * span, cursor + 0.95 * span);
    }
    syncAudio();
    requestAnimationFrame(frame);
  }
  function start() {
    if (cursor >= END - 1e-6) { setCursor(0); }
    sounds.forEach(function (s) { s.blocked = false; });
    playing = true;
    t0 = cursor;
    wall0 = performance.now();
    if (narration) { narration.setAttribute("aria-live", "off"); }
    if (playButton) {
      playButton.setAttribute("aria-pressed", "true");
      playButton.setAttribute("aria-label", "Pause the call");
      playButton.innerHTML = '<span aria-hidden="true">❚❚</span> Pause';
    }
    syncAudio();
    requestAnimationFrame(frame);
  }
  function stop() {
    playing = false;
    syncAudio();
    if (narration) { narration.setAttribute("aria-live", "polite"); }
    if (playButton) {
      playButton.setAttribute("aria-pressed", "false");
      playButton.setAttribute("aria-label", "Play the call");
      playButton.innerHTML = '<span aria-hidden="true">▶</span> Play';
    }
  }
  function toggle() { if (playing) { stop(); } else { start(); } }
  function seek(t) {
    setCursor(t);
    if (playing) { t0 = cursor; wall0 = performance.now(); }
    syncAudio();
  }
  if (playButton) { playButton.addEventListener("click", toggle); }
  if (speed) { speed.addEventListener("change", function () { if (playing) { t0 = cursor; wall0 = performance.now(); } syncAudio(); }); }
  if (seekInput) { seekInput.addEventListener("input", function () { seek(+seekInput.value); show(cursor, cursor); }); }
  sounds.forEach(function (s) {
    if (s.box) { s.box.addEventListener("change", syncAudio); }
    // a recording played from its own controls moves the cursor with it
    s.audio.addEventListener("timeupdate", function () {
      if (playing || s.audio.paused) { return; }
      var ft = s.audio.currentTime, segs = s.rec.segments;
      for (var i = 0; i < segs.length; i++) {
        var len = segs[i][1] - segs[i][0];
        if (ft >= segs[i][2] && ft < segs[i][2] + len + 1e-3) { setCursor(segs[i][0] + ft - segs[i][2]); show(cursor, cursor); return; }
      }
    });
  });

  // ---- the selection: a verb's bars, steps and BXML line together ----
  var selectionOut = doc.getElementById("selection");
  var selected = [];
  function select(target) {
    selected.forEach(function (n) { n.classList.remove("sel"); });
    selected = [];
    if (selectionOut) { selectionOut.textContent = ""; }
    if (!target) { return; }
    var key = typeof target === "string" ? target : target.v;
    var items = key ? (byKey[key] || []) : [target];
    items.forEach(function (it) { selected.push(it.el); });
    if (key) { selected = selected.concat(paneLines[key] || [], stepRows[key] || []); }
    var first = items[0];
    if (!first && typeof target !== "string") { return; }
    if (!key && first) {
      var href = first.el.getAttribute("href");
      var row = href && href.indexOf("#step-") === 0 && doc.getElementById(href.slice(1));
      if (row) { selected.push(row); }
    }
    selected.forEach(function (n) { n.classList.add("sel"); });
    if (first) {
      show(first.s, first.bar ? first.e : first.s);
    }
    var line = key && (paneLines[key] || [])[0];
    if (line) { scrollPane(line); }
    if (selectionOut && first) { describeSelection(first, key, line); }
  }
  function describeSelection(it, key, line) {
    selectionOut.textContent = "Selected: " + it.el.getAttribute("title") + " · ";
    var links = [];
    var href = it.el.getAttribute("href");
    var rows = key ? stepRows[key] : null;
    var stepHref = rows && rows.length ? "#" + rows[0].id : (href.indexOf("#step-") === 0 ? href : null);
    if (stepHref) { links.push([stepHref, "its step"]); }
    if (line) { links.push(["#" + line.id, "its BXML line"]); }
    if (href.indexOf("#cb-") === 0) { links.push([href, "the webhook"]); }
    if (href.indexOf("#rec-") === 0) { links.push([href, "the recording"]); }
    links.forEach(function (l, i) {
      var a = doc.createElement("a");
      a.href = l[0];
      a.textContent = l[1];
      if (i) { selectionOut.appendChild(doc.createTextNode(", ")); }
      selectionOut.appendChild(a);
    });
  }
  function scrollPane(line) {
    var pane = line.closest(".bxml-pane");
    if (pane && pane.scrollHeight > pane.clientHeight + 1) {
      var box = line.getBoundingClientRect(), paneBox = pane.getBoundingClientRect();
      if (box.top < paneBox.top || box.bottom > paneBox.bottom) {
        pane.scrollTop += box.top - paneBox.top - pane.clientHeight / 3;
      }
    }
  }
  function bringTimelineIntoView(it) {
    if (!it) { return; }
    var box = it.el.getBoundingClientRect();
    if (box.top < 0 || box.bottom > window.innerHeight) { it.el.scrollIntoView({block: "center"}); }
  }
  doc.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest("a[data-v], a.to-item");
    if (!link || link.classList.contains("item")) { return; }
    if (link.classList.contains("to-item")) {
      event.preventDefault();
      var it = itemsById[link.getAttribute("data-item")];
      select(it);
      seek(+link.getAttribute("data-at"));
      show(cursor, cursor);
      bringTimelineIntoView(it);
      return;
    }
    var key = link.getAttribute("data-v");
    if (link.classList.contains("code")) {  // a verb in the BXML pane: its bars and steps
      event.preventDefault();
      select(key);
      var first = (byKey[key] || [])[0];
      if (first) { seek(first.s); bringTimelineIntoView(first); }
    } else {
      select(key);  // a step's BXML line or a failure's: follow the link and select the verb
    }
  });
  function fromHash(target) {
    if (target && itemsById[target.id]) { select(itemsById[target.id]); }
  }

  doc.getElementById("player").hidden = false;
  var keys = doc.querySelector("details.keys");
  if (keys) { keys.hidden = false; }
  render();
  setCursor(0);
  fromHash(initialTarget);
  window.bxmlsimReport = {  // for the browser tests and the curious: the state, read-only use
    view: function () { return {start: view.start, stop: view.stop}; },
    cursor: function () { return cursor; },
    playing: function () { return playing; },
    seek: seek, setView: setView
  };
}());
