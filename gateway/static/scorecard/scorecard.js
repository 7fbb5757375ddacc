/* MOHA's scorecard pages: the national table, an agency's page (?agency=CODE) and the clerk's
   page (?clerk=CODE). Reads the GraphQL API with the chosen identity's token, like any client;
   every figure shown is the API's (each cell keeps the API's value in data-value). The identity
   is kept for the browser tab (sessionStorage), so it follows the viewer across pages. */
(function () {
  "use strict";
  var $ = function (id) { return document.getElementById(id); };
  var KEY = "cbccvc.identity";
  var token = "";
  var sort = "BREACHES";
  var descending = false;
  var clerkRows = [];
  var trendChart = null;
  var loads = 0;
  var BREACH_VI = {
    NEVER_CONNECTED: "Chưa kết nối / never connected", STALE: "Ngừng đồng bộ / stale",
    LATE: "Quá hạn 3 ngày / late", INCOMPLETE: "Thiếu / incomplete", INCORRECT: "Sai / incorrect",
    UNCLEAN: "Chưa sạch / unclean", UNUNIFIED: "Chưa thống nhất / ununified"
  };
  var COLUMNS = [  // field, breaches that colour it, kind
    ["lastSuccessAt", ["NEVER_CONNECTED", "STALE"], "time"],
    ["withinDeadlineShare", ["LATE"], "share"],
    ["completeShare", ["INCOMPLETE"], "share"],
    ["rejectRate", ["INCORRECT"], "share"],
    ["unmappedShare", ["UNUNIFIED"], "share"]
  ];
  var params = new URLSearchParams(location.search);
  var view = params.get("clerk") ? "clerk" : (params.get("agency") ? "agency" : "national");

  function status(text, ok) { $("status").textContent = text; $("status").className = ok ? "ok" : ""; }
  function headers() {
    var h = { "Content-Type": "application/json", Accept: "application/graphql-response+json" };
    if (token) h.Authorization = "Bearer " + token;
    return h;
  }
  function gql(query, variables) {
    return fetch("/graphql", {
      method: "POST", headers: headers(), credentials: "omit",
      body: JSON.stringify({ query: query, variables: variables || {} })
    }).then(function (r) { return r.json(); });
  }
  function share(v) { return v === null || v === undefined ? "—" : (v * 100).toFixed(2) + " %"; }
  function when(v) { return v ? new Date(v).toLocaleString("vi-VN") : "—"; }
  function cell(row, text, value, cls) {
    var td = document.createElement("td");
    td.textContent = text;
    if (value !== undefined) td.dataset.value = value === null ? "" : String(value);
    if (cls) td.className = cls;
    row.appendChild(td);
    return td;
  }
  function link(href, text) { var a = document.createElement("a"); a.href = href; a.textContent = text; return a; }
  function done(errors) {
    loads += 1;
    document.body.dataset.loads = String(loads);
    document.body.dataset.errors = String(errors);
  }
  function firstError(body) {
    return body.errors && body.errors.length ? body.errors[0].message : "";
  }

  var NATIONAL = "query($sort: ScorecardSort, $desc: Boolean, $merged: Boolean) {" +
    " agencyScorecards(sort: $sort, descending: $desc, includeMerged: $merged) {" +
    " agencyCode name level status successorCode connected lastSuccessAt withinDeadlineShare" +
    " completeShare rejectRate unmappedShare breaches } }";

  function loadNational() {
    status("…", true);
    var tbody = $("national-table").querySelector("tbody");
    return gql(NATIONAL, { sort: sort, desc: descending, merged: $("merged").checked }).then(function (body) {
      tbody.textContent = "";
      if (!body.data) { status(firstError(body), false); return done(1); }
      body.data.agencyScorecards.forEach(function (a) {
        var tr = document.createElement("tr");
        tr.dataset.code = a.agencyCode;
        if (a.status !== "ACTIVE") tr.className = "merged";
        cell(tr, a.agencyCode);
        var name = cell(tr, "");
        name.appendChild(link("/dashboard/scorecard?agency=" + encodeURIComponent(a.agencyCode), a.name));
        if (a.successorCode) name.appendChild(document.createTextNode(" → " + a.successorCode));
        COLUMNS.forEach(function (c) {
          var bad = c[1].some(function (b) { return a.breaches.indexOf(b) >= 0; });
          var text = c[2] === "share" ? share(a[c[0]]) : when(a[c[0]]);
          // red when its breach is on, green when measured and fine, plain when not measured
          var known = a[c[0]] !== null && a[c[0]] !== undefined;
          cell(tr, text, a[c[0]], "num" + (bad ? " bad" : known ? " good" : "")).dataset.field = c[0];
        });
        cell(tr, a.breaches.map(function (b) { return BREACH_VI[b] || b; }).join(", "), a.breaches.join(","));
        tbody.appendChild(tr);
      });
      document.querySelectorAll("#national-table th").forEach(function (th) {
        th.className = th.dataset.sort === sort ? "sorted" + (descending ? " desc" : "") : "";
      });
      var errors = (body.errors || []).length;
      status(errors ? firstError(body) : body.data.agencyScorecards.length + " cơ quan / agencies", !errors);
      done(errors);
    });
  }

  var AGENCY = "query($code: String!) { agencyScorecard(code: $code) {" +
    " agencyCode name day connected lastSuccessAt withinDeadlineShare completeShare rejectRate" +
    " unmappedShare breaches people failedRuns changes oldestOutstandingDays openRejects" +
    " oldestRejectDays openConflicts identityMismatches crossFieldViolations" +
    " rejectsByRule { rule titleVi titleEn records rate } lag { workingDays changes }" +
    " connectionHistory { sourceId startedAt finishedAt status }" +
    " trend(days: 30) { day withinDeadlineShare completeShare rejectRate } } }";
  var FIGURES = [
    ["withinDeadlineShare", "Đúng hạn 3 ngày làm việc / within 3 working days", share],
    ["oldestOutstandingDays", "Thay đổi tồn lâu nhất (ngày làm việc) / oldest outstanding change (working days)", String],
    ["lastSuccessAt", "Đồng bộ thành công gần nhất / last successful sync", when],
    ["failedRuns", "Lần đồng bộ lỗi (30 ngày) / failed runs (30 days)", String],
    ["completeShare", "Đủ / complete", share],
    ["rejectRate", "Tỷ lệ từ chối / reject rate", share],
    ["openRejects", "Bản ghi bị từ chối / open rejects", String],
    ["oldestRejectDays", "Từ chối lâu nhất (ngày làm việc) / oldest reject (working days)", String],
    ["crossFieldViolations", "Vi phạm liên trường / cross-field violations", String],
    ["identityMismatches", "Lệch CSDL dân cư / population-database mismatches", String],
    ["openConflicts", "Xung đột, trùng lặp / conflicts and duplicates", String],
    ["unmappedShare", "Chưa ánh xạ / unmapped codes", share],
    ["people", "Người đang công tác / active people", String]
  ];

  function fillTable(id, rows, values) {
    var tbody = $(id).querySelector("tbody");
    tbody.textContent = "";
    (rows || []).forEach(function (item) {
      var tr = document.createElement("tr");
      values(item).forEach(function (v) { cell(tr, v[0], v[1], v[2]); });
      tbody.appendChild(tr);
    });
  }

  function loadAgency(code) {
    status("…", true);
    ["rules-table", "lag-table", "runs-table"].forEach(function (id) { fillTable(id, [], null); });
    $("agency-figures").textContent = "";
    return gql(AGENCY, { code: code }).then(function (body) {
      var a = body.data && body.data.agencyScorecard;
      if (!a) { status(firstError(body) || "Không có bảng đánh giá / no scorecard for " + code, false); return done(1); }
      $("agency-title").textContent = a.name + " (" + a.agencyCode + ") — " + a.day;
      var dl = $("agency-figures");
      dl.textContent = "";
      FIGURES.forEach(function (f) {
        var dt = document.createElement("dt"); dt.textContent = f[1];
        var dd = document.createElement("dd");
        var v = a[f[0]];
        dd.textContent = v === null || v === undefined ? "—" : f[2](v);
        dd.dataset.field = f[0];
        dd.dataset.value = v === null || v === undefined ? "" : String(v);
        dl.appendChild(dt); dl.appendChild(dd);
      });
      fillTable("rules-table", a.rejectsByRule, function (r) {
        return [[r.rule], [r.titleVi + " / " + r.titleEn], [String(r.records), r.records, "num"], [share(r.rate), r.rate, "num"]];
      });
      fillTable("lag-table", a.lag, function (l) { return [[l.workingDays], [String(l.changes), l.changes, "num"]]; });
      fillTable("runs-table", a.connectionHistory, function (r) {
        return [[r.sourceId], [when(r.startedAt)], [when(r.finishedAt)], [r.status, r.status]];
      });
      $("clerk-link").href = "/dashboard/scorecard?clerk=" + encodeURIComponent(a.agencyCode);
      if (trendChart) trendChart.destroy();
      var trend = a.trend || [];
      trendChart = new Chart($("trend-chart"), {
        type: "line",
        options: { animation: false, responsive: true, scales: { y: { min: 0, max: 1 } } },
        data: {
          labels: trend.map(function (t) { return t.day; }),
          datasets: [
            { label: "Đúng hạn / within deadline", data: trend.map(function (t) { return t.withinDeadlineShare; }), borderColor: "#3a6fb0" },
            { label: "Đủ / complete", data: trend.map(function (t) { return t.completeShare; }), borderColor: "#2e8b57" },
            { label: "Từ chối / reject rate", data: trend.map(function (t) { return t.rejectRate; }), borderColor: "#c0392b" }
          ]
        }
      });
      var errors = (body.errors || []).length;
      status(errors ? firstError(body) : "OK " + a.agencyCode, !errors);
      done(errors);
    });
  }

  var CLERK = "query($code: String!) { agencyScorecard(code: $code) { agencyCode name sources" +
    " rejectsByRule { rule titleVi expected } } }";
  var REJECTS = "query($source: String!) { rejects(source: $source, first: 100) { edges { node {" +
    " sourceId sourceRecordId sourceVersion field rule value firstSeen } } } }";

  function loadClerk(code) {
    status("…", true);
    clerkRows = [];
    fillTable("clerk-table", [], null);  // never leave one identity's records under another
    return gql(CLERK, { code: code }).then(function (body) {
      var a = body.data && body.data.agencyScorecard;
      if (!a || !a.sources) { status(firstError(body) || "Không có bảng đánh giá / no scorecard for " + code, false); return done(1); }
      $("clerk-title").textContent = "Bản ghi cần sửa / Records to correct — " + a.name + " (" + a.agencyCode + ")";
      var titles = {};
      a.rejectsByRule.forEach(function (r) { titles[r.rule] = r; });
      return Promise.all(a.sources.map(function (s) { return gql(REJECTS, { source: s }); })).then(function (answers) {
        clerkRows = [];
        var errors = 0;
        answers.forEach(function (answer) {
          if (!answer.data) { errors += 1; return; }
          answer.data.rejects.edges.forEach(function (e) { clerkRows.push(e.node); });
        });
        fillTable("clerk-table", clerkRows, function (r) {
          var t = titles[r.rule] || { titleVi: r.rule, expected: "" };
          return [
            [r.sourceId + " · mã bản ghi / record " + r.sourceRecordId + " · phiên bản / version " + r.sourceVersion, r.sourceRecordId],
            [r.field], [t.titleVi, r.rule], [r.value === null ? "(ẩn / hidden)" : r.value, r.value], [t.expected], [when(r.firstSeen)]
          ];
        });
        status(errors ? firstError(answers[0]) : clerkRows.length + " bản ghi / records", !errors);
        done(errors);
      });
    });
  }

  // the gateway's rejects file: the same rejects, values masked by the same policy, file name
  // and row in their own columns, Vietnamese headings, and the access audited
  function clerkCsv() {
    var h = token ? { Authorization: "Bearer " + token } : {};
    var q = "?lang=vi&agency=" + encodeURIComponent(params.get("clerk") || "");
    fetch("/export/rejects.csv" + q, { headers: h, credentials: "omit" }).then(function (r) {
      if (!r.ok) return r.json().then(function (b) { throw new Error(b.error); });
      return r.blob();
    }).then(function (blob) { save(blob, "rejects.csv"); })
      .catch(function (e) { status("export: " + e.message, false); });
  }
  function save(blob, name) {
    var a = document.createElement("a");
    a.href = URL.createObjectURL(blob); a.download = name;
    document.body.appendChild(a); a.click();
    setTimeout(function () { URL.revokeObjectURL(a.href); a.remove(); }, 1000);
  }
  function exportBreaches(kind) {
    var h = token ? { Authorization: "Bearer " + token } : {};
    var q = $("merged").checked ? "?includeMerged=true" : "";
    fetch("/export/scorecard." + kind + q, { headers: h, credentials: "omit" }).then(function (r) {
      if (!r.ok) return r.json().then(function (b) { throw new Error(b.error); });
      return r.blob();
    }).then(function (blob) { save(blob, "scorecard-breaches." + kind); })
      .catch(function (e) { status("export: " + e.message, false); });
  }

  function reload() {
    if (view === "clerk") return loadClerk(params.get("clerk"));
    if (view === "agency") return loadAgency(params.get("agency"));
    return loadNational();
  }
  function identities() {
    return fetch("/graphiql/identities", { credentials: "omit" })
      .then(function (r) { return r.ok ? r.json() : []; }).catch(function () { return []; });
  }
  function choose(key) {
    sessionStorage.setItem(KEY, key);
    if (!key) { token = ""; return reload(); }
    return identities().then(function (list) {  // fetched on every choice: tokens live minutes
      var found = list.filter(function (i) { return i.key === key; })[0];
      token = found ? found.token || "" : "";
      return reload();
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    $(view).hidden = false;
    document.querySelectorAll(".national-only").forEach(function (e) { e.hidden = view !== "national"; });
    document.querySelectorAll(".clerk-only").forEach(function (e) { e.hidden = view !== "clerk"; });
    document.querySelectorAll("#national-table th[data-sort]").forEach(function (th) {
      th.addEventListener("click", function () {
        if (sort === th.dataset.sort) descending = !descending; else { sort = th.dataset.sort; descending = false; }
        loadNational();
      });
    });
    $("merged").addEventListener("change", loadNational);
    $("export-csv").addEventListener("click", function () { exportBreaches("csv"); });
    $("export-xlsx").addEventListener("click", function () { exportBreaches("xlsx"); });
    $("clerk-csv").addEventListener("click", clerkCsv);
    $("print").addEventListener("click", function () { window.print(); });
    $("identity").addEventListener("change", function (e) { choose(e.target.value); });
    identities().then(function (list) {
      list.forEach(function (item) {
        var o = document.createElement("option"); o.value = item.key; o.textContent = item.label;
        $("identity").appendChild(o);
      });
      document.body.dataset.identities = String(list.length);
      // the demo opens on a meaningful view: the identity kept for this tab, else the central one
      var kept = sessionStorage.getItem(KEY);
      var start = kept !== null ? kept : (list.some(function (i) { return i.key === "central"; }) ? "central" : "");
      $("identity").value = start;
      if (!list.length) status("Dán mã truy cập vào trình duyệt hoặc dùng API / no demo identities: call the API with a token", false);
      choose(start);
    });
  });
})();
