// Taking a quiz: autosave each answer as it is chosen, queue while offline, count down from the
// server's remaining seconds, submit at zero. Every page also works without this file.
(function () {
  "use strict";
  var bar = document.getElementById("take-bar");
  if (!bar || !window.fetch) { return; }
  var form = document.getElementById("take-form");
  var api = bar.getAttribute("data-api");
  var resultUrl = bar.getAttribute("data-result");
  var attemptId = bar.getAttribute("data-attempt");
  var grace = parseInt(bar.getAttribute("data-grace") || "60", 10);
  var csrfMeta = document.querySelector('meta[name="csrf-token"]');
  var csrf = csrfMeta ? csrfMeta.getAttribute("content") : "";
  var stateEl = document.getElementById("save-state");
  var clockEl = document.getElementById("countdown-value");
  var KEY = "quiz-queue-" + attemptId;
  // Messages come from the page in its language (data-text on #save-state, see _timebar.html);
  // the Vietnamese here only covers a page rendered without them.
  var TEXT = {
    saved: "Đã lưu", saving: "Đang lưu…", retry: "Chưa lưu — đang thử lại",
    offline: bar.getAttribute("data-offline") || "Chưa lưu — đang chờ có mạng",
    relogin: bar.getAttribute("data-relogin") || "Đăng nhập lại để làm tiếp",
    late: "Đã hết giờ làm bài.", submitting: "Hết giờ — đang nộp bài…",
    kept: "Đã giữ câu trả lời mới hơn từ thiết bị khác"
  };
  try {
    var pageText = JSON.parse((stateEl && stateEl.getAttribute("data-text")) || "{}");
    Object.keys(pageText).forEach(function (k) { if (pageText[k]) { TEXT[k] = pageText[k]; } });
  } catch (e) { /* keep the built-in messages */ }
  // The deadline as a point on this page's monotonic clock: the phone's wall clock is never used.
  var deadlineAt = performance.now() + parseInt(bar.getAttribute("data-remaining") || "0", 10) * 1000;
  var queue = {};
  var seqs = {};
  var inflight = false;
  var backoff = 1000;
  var retryTimer = null;
  var finished = false;
  var keptNotice = false;  // a save lost to a newer answer from another device: say so, not "Đã lưu"
  var typing = {};  // position -> timer of a text answer still being typed (saved after a pause)

  try { queue = JSON.parse(localStorage.getItem(KEY) || "{}") || {}; } catch (e) { queue = {}; }
  function persist() {
    try { localStorage.setItem(KEY, JSON.stringify(queue)); } catch (e) { /* storage full or off */ }
  }
  function setState(key, cls) {
    if (!stateEl) { return; }
    stateEl.textContent = TEXT[key] || key;
    stateEl.className = "save-state " + (cls || "");
  }
  function seqField(pos) { return form ? form.querySelector('input[name="s' + pos + '"]') : null; }

  // Seqs handed out by the server (hidden fields hold the next one to use).
  if (form) {
    form.querySelectorAll("fieldset.question").forEach(function (fs) {
      var pos = fs.getAttribute("data-position");
      var f = seqField(pos);
      seqs[pos] = f ? parseInt(f.value, 10) - 1 : 0;
    });
  }
  // Answers queued on an earlier page load win over the (older) values the server rendered.
  Object.keys(queue).forEach(function (pos) {
    var entry = queue[pos];
    seqs[pos] = Math.max(seqs[pos] || 0, entry.seq);
    var f = seqField(pos);
    if (f) { f.value = String(entry.seq + 1); }
    showValue(pos, entry.value);
  });

  function showValue(pos, value) {
    if (!form) { return; }
    var fs = form.querySelector('fieldset[data-position="' + pos + '"]');
    if (!fs) { return; }
    var values = Array.isArray(value) ? value : [value];
    fs.querySelectorAll("input[type=radio], input[type=checkbox]").forEach(function (el) {
      el.checked = values.indexOf(el.value) !== -1;
    });
    var text = fs.querySelector("input[type=text], textarea");
    if (text && (typeof value === "string" || value === null)) { text.value = value || ""; }
  }

  // A stored answer as the API returns it ({choice} | {choices} | {value} | {text} | null) in the
  // shape the inputs take (showValue / valueOf).
  function formValue(stored) {
    if (!stored) { return null; }
    if (typeof stored.choice === "string") { return stored.choice; }
    if (Array.isArray(stored.choices)) { return stored.choices; }
    if (typeof stored.value === "boolean") { return stored.value ? "true" : "false"; }
    if (typeof stored.text === "string") { return stored.text; }
    // Another type's stored form {key: value}: the value as its input shows it.
    var keys = Object.keys(stored);
    if (keys.length === 1 && stored[keys[0]] !== null) {
      var v = stored[keys[0]];
      return Array.isArray(v) ? v.map(String) : String(v);
    }
    return null;
  }

  // The server kept a newer answer saved from another device (applied=false): take its seq, and
  // unless the member has changed this question again since, show the kept answer.
  function keptNewer(pos, entry, body) {
    seqs[pos] = Math.max(seqs[pos] || 0, parseInt(body.seq, 10) || 0);
    if (queue[pos] && queue[pos].seq > entry.seq) {
      // A later change made here is the newest: send it above the stored seq.
      seqs[pos] += 1;
      queue[pos].seq = seqs[pos];
      persist();
    } else {
      var value = formValue(body.value);
      showValue(pos, value);
      markMap(pos, value !== null && value !== "" && !(Array.isArray(value) && value.length === 0));
      // The same answer already stored (e.g. by this page's own form post) is no conflict.
      if (!sameAnswer(value, entry.value)) { keptNotice = true; }
    }
    var f = seqField(pos);
    if (f) { f.value = String(seqs[pos] + 1); }
  }

  function sameAnswer(a, b) {
    function norm(v) {
      if (Array.isArray(v)) { return v.length ? JSON.stringify(v.slice().sort()) : "null"; }
      return v === null || v === undefined || v === "" ? "null" : JSON.stringify(v);
    }
    return norm(a) === norm(b);
  }

  // The type's take partial says how its answer is read: data-answer="many" (checkboxes),
  // "one" (a radio group) or "text" (a text field).
  function valueOf(fs) {
    var holder = fs.querySelector("[data-answer]");
    var shape = holder ? holder.getAttribute("data-answer") : "text";
    if (shape === "many") {
      return Array.prototype.map.call(fs.querySelectorAll("input[type=checkbox]:checked"), function (el) { return el.value; });
    }
    if (shape === "one") {
      var el = fs.querySelector("input[type=radio]:checked");
      return el ? el.value : null;
    }
    var t = fs.querySelector("input[type=text], textarea");
    return t ? t.value : null;
  }

  function markMap(pos, answered) {
    var link = document.querySelector('[data-qmap="' + pos + '"]');
    if (link) { link.classList.toggle("done", answered); link.classList.toggle("todo", !answered); }
    var label = link ? link.querySelector(".chip-state") : null;
    var words = document.querySelector(".qmap-list");
    if (label && words) { label.textContent = words.getAttribute(answered ? "data-done" : "data-todo"); }
  }

  // One question per page: every question is already on the page, so moving between them is
  // local (works offline); the buttons are plain submits only for browsers without this file.
  var paged = form && form.getAttribute("data-mode") === "one";
  var count = form ? parseInt(form.getAttribute("data-count") || "0", 10) : 0;
  function showPage(n, focus) {
    n = Math.min(Math.max(n, 1), count);
    form.querySelectorAll(".qpage").forEach(function (el) {
      el.hidden = parseInt(el.getAttribute("data-page"), 10) !== n;
    });
    document.querySelectorAll("[data-qmap]").forEach(function (chip) {
      var here = parseInt(chip.getAttribute("data-qmap"), 10) === n;
      chip.classList.toggle("here", here);
      if (here) { chip.setAttribute("aria-current", "step"); } else { chip.removeAttribute("aria-current"); }
    });
    var qField = form.querySelector('input[name="q"]');
    if (qField) { qField.value = String(n); }
    try {
      var url = new URL(window.location.href);
      url.searchParams.set("q", String(n));
      url.searchParams.delete("mode");
      history.replaceState(null, "", url.pathname + url.search);
      form.setAttribute("action", url.pathname + "?q=" + n);
      document.querySelectorAll('input[name="next"]').forEach(function (el) { el.value = url.pathname + url.search; });
    } catch (e) { /* old browser: the address just keeps the first question */ }
    var pageEl = document.getElementById("page" + n);
    if (focus && pageEl) {
      pageEl.focus({ preventScroll: true });
      var top = pageEl.getBoundingClientRect().top + window.pageYOffset - bar.offsetHeight - 8;
      window.scrollTo(0, Math.max(0, top));
    }
  }
  if (paged) {
    form.querySelectorAll("fieldset.question[disabled]").forEach(function (fs) { fs.disabled = false; });
    form.addEventListener("click", function (ev) {
      var btn = ev.target.closest('button[name="go"]');
      if (!btn || !/^\d+$/.test(btn.value)) { return; }
      ev.preventDefault();
      showPage(parseInt(btn.value, 10), true);
    });
  }

  // The session ended (cookies cleared, password changed elsewhere): keep the queue, offer login
  // with a way back here; after logging in the page loads again and sends what is queued.
  var relogin = document.getElementById("relogin");
  var reloginLink = document.getElementById("relogin-link");
  var loginUrl = bar.getAttribute("data-login");
  function sessionLost() {
    setState("relogin", "state-error");
    if (reloginLink && loginUrl) {
      reloginLink.href = loginUrl + "?next=" + encodeURIComponent(window.location.pathname + window.location.search);
    }
    if (relogin) { relogin.hidden = false; }
    // Logged in again in another tab? Keep trying now and then (the queue is never dropped here).
    if (!retryTimer) { retryTimer = setTimeout(function () { retryTimer = null; flush(); }, 15000); }
  }

  var lastSent = {};  // position -> the last value queued from this page, as JSON
  function enqueue(pos, value) {
    lastSent[pos] = JSON.stringify(value);
    keptNotice = false;
    seqs[pos] = (seqs[pos] || 0) + 1;
    queue[pos] = { value: value, seq: seqs[pos] };
    var f = seqField(pos);
    if (f) { f.value = String(seqs[pos] + 1); }
    persist();
    markMap(pos, value !== null && value !== "" && !(Array.isArray(value) && value.length === 0));
    flush();
  }

  // One save is in flight at a time for the whole page (so never two for one question), and the
  // queue keeps only the newest value of each question: quick changes coalesce into one save.
  // Retries wait a random time between half and all of the current backoff, which doubles
  // up to 30 s: when a server restarts or the hall's Wi-Fi comes back, hundreds of pages that failed
  // together spread their retries out instead of coming back as a second storm.
  function jittered(ms) { return Math.round(ms / 2 + Math.random() * ms / 2); }
  function scheduleRetry() {
    if (retryTimer) { return; }
    setState(navigator.onLine === false ? "offline" : "retry", "state-retry");
    retryTimer = setTimeout(function () { retryTimer = null; flush(); }, jittered(backoff));
    backoff = Math.min(backoff * 2, 30000);
  }

  function resync(seconds) {
    if (typeof seconds === "number") { deadlineAt = performance.now() + seconds * 1000; }
  }

  function stop(message) {
    finished = true;
    queue = {};
    persist();
    setState(message, "state-error");
    setTimeout(function () { window.location.href = resultUrl; }, 2500);
  }

  function flush() {
    if (inflight || finished) { return Promise.resolve(); }
    var keys = Object.keys(queue);
    if (!keys.length) {
      if (Object.keys(typing).length) { setState("saving", "state-busy"); return Promise.resolve(); }
      if (keptNotice) { setState("kept", "state-kept"); } else { setState("saved", "state-ok"); }
      return Promise.resolve();
    }
    var pos = keys[0];
    var entry = queue[pos];
    inflight = true;
    setState("saving", "state-busy");
    return fetch(api + "/answers/" + pos, {
      method: "PUT", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf, "Accept": "application/json" },
      body: JSON.stringify({ value: entry.value, seq: entry.seq })
    }).then(function (resp) {
      inflight = false;
      return resp.json().catch(function () { return {}; }).then(function (body) {
        if (resp.ok) {
          backoff = 1000;
          if (relogin) { relogin.hidden = true; }
          if (body && body.applied === false) { keptNewer(pos, entry, body); }
          if (queue[pos] && queue[pos].seq <= entry.seq) { delete queue[pos]; persist(); }
          resync(body.remaining_seconds);
          return flush();
        }
        var msg = body && body.error ? body.error.message : "";
        if (resp.status === 410 || resp.status === 409) { stop(msg || "late"); return null; }
        if (resp.status === 401 || resp.status === 400) {
          // 401: the session is gone; 400: the page's form token no longer matches the session
          // (logged in again elsewhere). Either way the answer is not bad: keep it queued.
          sessionLost(); return null;
        }
        if (resp.status === 422) {
          delete queue[pos]; persist(); setState(msg, "state-error"); return null;
        }
        if (resp.status === 404) { setState(msg, "state-error"); return null; }
        scheduleRetry();
        return null;
      });
    }).catch(function () { inflight = false; scheduleRetry(); });
  }

  if (form) {
    form.addEventListener("change", function (ev) {
      var fs = ev.target.closest("fieldset.question");
      if (!fs) { return; }
      var pos = fs.getAttribute("data-position");
      var isText = ev.target.type === "text" || ev.target.tagName === "TEXTAREA";
      if (!isText) { enqueue(pos, valueOf(fs)); return; }
      // Leaving a text field: save what was typed now, not after the pause; also text typed
      // before this script ran (a slow phone), whose keystrokes no "input" listener saw.
      var value = valueOf(fs);
      if (typing[pos]) { clearTimeout(typing[pos]); delete typing[pos]; }
      else if (lastSent[pos] === JSON.stringify(value)) { return; }
      enqueue(pos, value);
    });
    form.addEventListener("input", function (ev) {
      var fs = ev.target.closest("fieldset.question");
      if (!fs || (ev.target.type !== "text" && ev.target.tagName !== "TEXTAREA")) { return; }
      var pos = fs.getAttribute("data-position");
      clearTimeout(typing[pos]);
      setState("saving", "state-busy");
      typing[pos] = setTimeout(function () { delete typing[pos]; enqueue(pos, valueOf(fs)); }, 700);
    });
    form.addEventListener("submit", function (ev) {
      // Offline, a page post would fail and show the browser's error page: stay, keep the queue.
      if (navigator.onLine === false) { ev.preventDefault(); setState("offline", "state-retry"); }
    });
  }
  // Links that need the server (switch view, back to the list) would show the browser's offline
  // page: stay on the quiz and say why.
  document.querySelectorAll(".mode-switch a").forEach(function (a) {
    a.addEventListener("click", function (ev) {
      if (navigator.onLine === false) { ev.preventDefault(); setState("offline", "state-retry"); }
    });
  });
  window.addEventListener("online", function () {
    backoff = 1000;
    if (retryTimer) { clearTimeout(retryTimer); }
    retryTimer = setTimeout(function () { retryTimer = null; flush(); }, Math.round(Math.random() * 2000));
  });
  window.addEventListener("offline", function () { setState("offline", "state-retry"); });

  function autoSubmit() {
    if (finished) { return; }
    finished = true;
    setState("submitting", "state-busy");
    var giveUpAt = performance.now() + Math.max(5, grace - 10) * 1000;
    var submitBackoff = 2000;
    function retrySubmit() {
      setTimeout(trySubmit, jittered(submitBackoff));
      submitBackoff = Math.min(submitBackoff * 2, 15000);
    }
    function trySubmit() {
      var pending = Object.keys(queue).length;
      if (pending && performance.now() < giveUpAt) {
        finished = false; flush(); finished = true;
        setTimeout(trySubmit, 1000);
        return;
      }
      fetch(api + "/submit", {
        method: "POST", credentials: "same-origin",
        headers: { "Content-Type": "application/json", "X-CSRFToken": csrf, "Accept": "application/json" },
        body: JSON.stringify({ reason: "timer" })
      }).then(function (resp) {
        if (resp.ok || resp.status === 404) { queue = {}; persist(); window.location.href = resultUrl; }
        else { retrySubmit(); }
      }).catch(retrySubmit);
    }
    trySubmit();
  }

  // Alerts at 5 and 1 minute left, once each per attempt (also across page loads): a visible
  // banner plus a polite live region. Loaded already past both? Only the nearer one is shown.
  var ALERTS = [[300, "alert5"], [60, "alert1"]];
  var alertKey = "quiz-alerts-" + attemptId;
  var alerted = {};
  try { alerted = JSON.parse(localStorage.getItem(alertKey) || "{}") || {}; } catch (e) { alerted = {}; }
  var alertEl = document.getElementById("time-alert");
  var liveEl = document.getElementById("time-live");
  function checkAlerts(left) {
    if (left <= 0) { return; }
    var show = null;
    ALERTS.forEach(function (a) {
      if (left <= a[0] && !alerted[a[1]]) { alerted[a[1]] = true; show = a[1]; }
    });
    if (!show) { return; }
    try { localStorage.setItem(alertKey, JSON.stringify(alerted)); } catch (e) { /* storage off */ }
    var msg = bar.getAttribute("data-" + show) || "";
    if (alertEl) { alertEl.textContent = msg; alertEl.hidden = false; }
    if (liveEl) { liveEl.textContent = msg; }
  }

  function tick() {
    var left = Math.max(0, Math.round((deadlineAt - performance.now()) / 1000));
    if (clockEl) {
      var m = Math.floor(left / 60), s = left % 60;
      clockEl.textContent = m + ":" + (s < 10 ? "0" : "") + s;
    }
    bar.classList.toggle("time-low", left <= 60);
    checkAlerts(left);
    if (left <= 0) { autoSubmit(); return; }
    setTimeout(tick, 1000 - (performance.now() % 1000));
  }
  tick();
  flush();
})();
