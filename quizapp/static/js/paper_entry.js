/* Paper answers grid: checks each row as it is typed (same rules as the server, which decides),
   and Enter moves to the next member's row. Without this script the grid is a plain form. */
(function () {
  "use strict";
  var form = document.getElementById("paper-entry");
  var data = document.getElementById("paper-structure");
  if (!form || !data) return;
  var variants = JSON.parse(data.textContent || "{}");
  var BLANKS = "-._*";
  var TEXT_TOKEN = /(\d+)\s*=\s*(?:"[^"]*"|“[^”]*”|\S+)/g;

  function checkLetters(q, letters, errs) {
    if (q.kind === "text") { errs.push("Câu " + q.n + " là câu trả lời ngắn: nhập chữ ở ô riêng."); return; }
    if (q.kind === "essay") { errs.push("Câu " + q.n + " là câu tự luận, chấm trên bản giấy."); return; }
    if (!letters) { errs.push("Câu " + q.n + ": chưa nhập phương án (" + q.hint + ")."); return; }
    var up = letters.toUpperCase(), seen = {};
    for (var i = 0; i < up.length; i++) {
      if (q.accepts.indexOf(up[i]) < 0) { errs.push("Câu " + q.n + ": không có phương án " + up[i] + " (" + q.hint + ")."); return; }
      seen[up[i]] = true;
    }
    if (!q.multi && Object.keys(seen).length > 1) errs.push("Câu " + q.n + ": chỉ được chọn một phương án, đã nhập " + up + ".");
  }

  function check(code, typed) {
    var qs = variants[(code || "").trim()];
    var errs = [];
    if (!typed.trim()) return errs;
    if (!qs) { errs.push("Mã đề “" + (code || "") + "” không có (các mã đề: " + Object.keys(variants).join(", ") + ")."); return errs; }
    var rest = typed.replace(TEXT_TOKEN, " ").trim();
    if (/\d/.test(rest)) {
      var re = /(\d+)\s*([^\d\s,;]*)/g, m, seen = {}, pos = 0;
      while ((m = re.exec(rest)) !== null) {
        if (rest.slice(pos, m.index).replace(/[\s,;]/g, "")) errs.push("Không hiểu “" + rest.slice(pos, m.index).trim() + "”.");
        pos = re.lastIndex;
        var n = parseInt(m[1], 10);
        if (n < 1 || n > qs.length) { errs.push("Câu " + n + ": mã đề " + code + " chỉ có " + qs.length + " câu."); continue; }
        if (seen[n]) { errs.push("Câu " + n + " được nhập hai lần."); continue; }
        seen[n] = true;
        checkLetters(qs[n - 1], m[2], errs);
      }
      if (rest.slice(pos).replace(/[\s,;]/g, "")) errs.push("Không hiểu “" + rest.slice(pos).trim() + "”.");
    } else if (rest) {
      var keys = [], s = rest.replace(/\s+/g, "");
      for (var i = 0; i < s.length; i++) {
        if (s[i] === "(") {
          var end = s.indexOf(")", i);
          if (end < 0) { errs.push("Thiếu dấu “)” đóng nhóm chữ cái."); return errs; }
          keys.push(s.slice(i + 1, end)); i = end;
        } else keys.push(BLANKS.indexOf(s[i]) >= 0 ? "" : s[i]);
      }
      var lettered = qs.filter(function (q) { return q.kind === "letters"; });
      if (keys.length > lettered.length) {
        errs.push("Đã nhập " + keys.length + " ký tự nhưng mã đề " + code + " chỉ có " + lettered.length + " câu tô ô.");
        return errs;
      }
      keys.forEach(function (k, j) { if (k) checkLetters(lettered[j], k, errs); });
    }
    return errs;
  }

  function rowOf(el) { return el.closest("tr[data-person]"); }

  function validate(row) {
    var v = row.querySelector(".in-variant"), a = row.querySelector(".in-answers");
    var msg = row.querySelector(".row-msg");
    if (!v || !a || !msg) return;
    var errs = check(v.value, a.value);
    var variantBad = errs.length && !variants[(v.value || "").trim()];
    v.setAttribute("aria-invalid", variantBad ? "true" : "false");
    a.setAttribute("aria-invalid", errs.length && !variantBad ? "true" : "false");
    if (errs.length) { msg.textContent = errs.join(" "); msg.classList.add("bad"); }
    else if (msg.classList.contains("bad")) { msg.textContent = ""; msg.classList.remove("bad"); }
  }

  form.addEventListener("input", function (e) {
    var row = rowOf(e.target);
    if (row) validate(row);
  });

  form.addEventListener("keydown", function (e) {
    if (e.key !== "Enter" || e.target.tagName !== "INPUT") return;
    var row = rowOf(e.target);
    if (!row) return;
    e.preventDefault();
    validate(row);
    var next = row.nextElementSibling;
    while (next && !next.querySelector(".in-answers")) next = next.nextElementSibling;
    if (next) {
      var v = next.querySelector(".in-variant");
      (v && !v.value ? v : next.querySelector(".in-answers")).focus();
    } else {
      document.getElementById("paper-save").focus();
    }
  });
})();
