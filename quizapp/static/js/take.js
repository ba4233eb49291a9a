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
    offline: "Chưa lưu — mất kết nối; câu trả lời được giữ trên máy và sẽ tự gửi khi có mạng",
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
      keptNotice = true;
    }
    var f = seqField(pos);
    if (f) { f.value = String(seqs[pos] + 1); }
  }

  function valueOf(fs) {
    var type = fs.getAttribute("data-type");
    if (type === "multiple") {
      return Array.prototype.map.call(fs.querySelectorAll("input[type=checkbox]:checked"), function (el) { return el.value; });
    }
    if (type === "single" || type === "true_false") {
      var el = fs.querySelector("input[type=radio]:checked");
      return el ? el.value : null;
    }
    var t = fs.querySelector("input[type=text], textarea");
    return t ? t.value : null;
  }

  function markMap(pos, answered) {
    var link = document.querySelector('[data-qmap="' + pos + '"]');
    if (link) { link.classList.toggle("done", answered); link.classList.toggle("todo", !answered); }
  }

  function enqueue(pos, value) {
    keptNotice = false;
    seqs[pos] = (seqs[pos] || 0) + 1;
    queue[pos] = { value: value, seq: seqs[pos] };
    var f = seqField(pos);
    if (f) { f.value = String(seqs[pos] + 1); }
    persist();
    markMap(pos, value !== null && value !== "" && !(Array.isArray(value) && value.length === 0));
    flush();
  }

  function scheduleRetry() {
    if (retryTimer) { return; }
    setState(navigator.onLine === false ? "offline" : "retry", "state-retry");
    retryTimer = setTimeout(function () { retryTimer = null; flush(); }, backoff);
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
          if (body && body.applied === false) { keptNewer(pos, entry, body); }
          if (queue[pos] && queue[pos].seq <= entry.seq) { delete queue[pos]; persist(); }
          resync(body.remaining_seconds);
          return flush();
        }
        var msg = body && body.error ? body.error.message : "";
        if (resp.status === 410 || resp.status === 409) { stop(msg || "late"); return null; }
        if (resp.status === 422 || resp.status === 400) {
          delete queue[pos]; persist(); setState(msg, "state-error"); return null;
        }
        if (resp.status === 401 || resp.status === 404) { setState(msg, "state-error"); return null; }
        scheduleRetry();
        return null;
      });
    }).catch(function () { inflight = false; scheduleRetry(); });
  }

  if (form) {
    form.addEventListener("change", function (ev) {
      var fs = ev.target.closest("fieldset.question");
      if (fs && ev.target.type !== "text" && ev.target.tagName !== "TEXTAREA") {
        enqueue(fs.getAttribute("data-position"), valueOf(fs));
      }
    });
    var typing = {};
    form.addEventListener("input", function (ev) {
      var fs = ev.target.closest("fieldset.question");
      if (!fs || (ev.target.type !== "text" && ev.target.tagName !== "TEXTAREA")) { return; }
      var pos = fs.getAttribute("data-position");
      clearTimeout(typing[pos]);
      setState("saving", "state-busy");
      typing[pos] = setTimeout(function () { enqueue(pos, valueOf(fs)); }, 700);
    });
    form.addEventListener("submit", function (ev) {
      // Offline, a page post would fail and show the browser's error page: stay, keep the queue.
      if (navigator.onLine === false) { ev.preventDefault(); setState("offline", "state-retry"); }
    });
  }
  window.addEventListener("online", function () { backoff = 1000; flush(); });
  window.addEventListener("offline", function () { setState("offline", "state-retry"); });

  function autoSubmit() {
    if (finished) { return; }
    finished = true;
    setState("submitting", "state-busy");
    var giveUpAt = performance.now() + Math.max(5, grace - 10) * 1000;
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
        else { setTimeout(trySubmit, 3000); }
      }).catch(function () { setTimeout(trySubmit, 3000); });
    }
    trySubmit();
  }

  function tick() {
    var left = Math.max(0, Math.round((deadlineAt - performance.now()) / 1000));
    if (clockEl) {
      var m = Math.floor(left / 60), s = left % 60;
      clockEl.textContent = m + ":" + (s < 10 ? "0" : "") + s;
    }
    bar.classList.toggle("time-low", left <= 60);
    if (left <= 0) { autoSubmit(); return; }
    setTimeout(tick, 1000 - (performance.now() % 1000));
  }
  tick();
  flush();
})();
