/* MOHA's scorecard pages: the national table, an agency's page (?agency=CODE) and the clerk's
   page (?clerk=CODE). Reads the GraphQL API with the chosen identity's token, like any client;
   every figure shown is the API's (each cell keeps the API's value in data-value). The identity
   and the language are kept across pages by /static/dashboard/prefs.js (localStorage, or the
   URL's ?as= and ?lang=); the national table filters by level and by breach through the API. */
(function () {
  "use strict";
  var $ = function (id) { return document.getElementById(id); };
  var prefs = window.CbccvcPrefs;
  var t = prefs.t;
  var token = "";
  var sort = "BREACHES";
  var descending = false;
  var clerkRows = [];
  var trendChart = null;
  var loads = 0;
  var BREACHES = {
    NEVER_CONNECTED: ["Chưa kết nối", "never connected"], STALE: ["Ngừng đồng bộ", "stale"],
    LATE: ["Quá hạn 3 ngày", "late"], INCOMPLETE: ["Thiếu", "incomplete"], INCORRECT: ["Sai", "incorrect"],
    UNCLEAN: ["Chưa sạch", "unclean"], UNUNIFIED: ["Chưa thống nhất", "ununified"]
  };
  function breachName(b) { return BREACHES[b] ? t(BREACHES[b][0], BREACHES[b][1]) : b; }
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
  function when(v) { return v ? new Date(v).toLocaleString(prefs.lang() === "en" ? "en-GB" : "vi-VN") : "—"; }
  function cell(row, text, value, cls) {
    var td = document.createElement("td");
    td.textContent = text;
    if (value !== undefined) td.dataset.value = value === null ? "" : String(value);
    if (cls) td.className = cls;
    row.appendChild(td);
    return td;
  }
  function link(href, text) { var a = document.createElement("a"); a.href = href; a.textContent = text; return a; }
  // Answers may come back out of order (a filter changed twice, an identity switched): only the
  // latest request's answer is drawn, so the table never shows an older choice or identity.
  var latest = 0;
  function stale(mine) {
    if (mine === latest) return false;
    loads += 1;  // finished all the same: the count tells a waiting reader that it ended
    document.body.dataset.loads = String(loads);
    return true;
  }
  function done(errors) {
    loads += 1;
    document.body.dataset.loads = String(loads);
    document.body.dataset.errors = String(errors);
  }
  function firstError(body) {
    return body.errors && body.errors.length ? body.errors[0].message : "";
  }

  var NATIONAL = "query($sort: ScorecardSort, $desc: Boolean, $merged: Boolean," +
    " $levels: [OrganizationLevel!], $breached: [ScorecardBreach!]) {" +
    " agencyScorecards(sort: $sort, descending: $desc, includeMerged: $merged, levels: $levels," +
    " breached: $breached) {" +
    " agencyCode name level status successorCode connected lastSuccessAt withinDeadlineShare" +
    " completeShare rejectRate unmappedShare breaches } }";

  function loadNational() {
    status("…", true);
    var tbody = $("national-table").querySelector("tbody");
    var level = $("level").value, breached = $("breached").value;
    var variables = {
      sort: sort, desc: descending, merged: $("merged").checked,
      levels: level ? [level] : null, breached: breached ? [breached] : null
    };
    var mine = ++latest;
    return gql(NATIONAL, variables).then(function (body) {
      if (stale(mine)) return;
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
        cell(tr, a.breaches.map(breachName).join(", "), a.breaches.join(","));
        tbody.appendChild(tr);
      });
      document.querySelectorAll("#national-table th").forEach(function (th) {
        th.className = th.dataset.sort === sort ? "sorted" + (descending ? " desc" : "") : "";
      });
      var errors = (body.errors || []).length;
      status(errors ? firstError(body) : body.data.agencyScorecards.length + " " + t("cơ quan", "agencies"), !errors);
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
  var FIGURES = [  // field, Vietnamese label, English label, format
    ["withinDeadlineShare", "Đúng hạn 3 ngày làm việc", "within 3 working days", share],
    ["oldestOutstandingDays", "Thay đổi tồn lâu nhất (ngày làm việc)", "oldest outstanding change (working days)", String],
    ["lastSuccessAt", "Đồng bộ thành công gần nhất", "last successful sync", when],
    ["failedRuns", "Lần đồng bộ lỗi (30 ngày)", "failed runs (30 days)", String],
    ["completeShare", "Đủ", "complete", share],
    ["rejectRate", "Tỷ lệ từ chối", "reject rate", share],
    ["openRejects", "Bản ghi bị từ chối", "open rejects", String],
    ["oldestRejectDays", "Từ chối lâu nhất (ngày làm việc)", "oldest reject (working days)", String],
    ["crossFieldViolations", "Vi phạm liên trường", "cross-field violations", String],
    ["identityMismatches", "Lệch CSDL dân cư", "population-database mismatches", String],
    ["openConflicts", "Xung đột, trùng lặp", "conflicts and duplicates", String],
    ["unmappedShare", "Chưa ánh xạ", "unmapped codes", share],
    ["people", "Người đang công tác", "active people", String]
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
    var mine = ++latest;
    return gql(AGENCY, { code: code }).then(function (body) {
      if (stale(mine)) return;
      var a = body.data && body.data.agencyScorecard;
      if (!a) { status(firstError(body) || t("Không có bảng đánh giá", "no scorecard for") + " " + code, false); return done(1); }
      $("agency-title").textContent = a.name + " (" + a.agencyCode + ") — " + a.day;
      var dl = $("agency-figures");
      dl.textContent = "";
      FIGURES.forEach(function (f) {
        var dt = document.createElement("dt"); dt.textContent = t(f[1], f[2]);
        var dd = document.createElement("dd");
        var v = a[f[0]];
        dd.textContent = v === null || v === undefined ? "—" : f[3](v);
        dd.dataset.field = f[0];
        dd.dataset.value = v === null || v === undefined ? "" : String(v);
        dl.appendChild(dt); dl.appendChild(dd);
      });
      fillTable("rules-table", a.rejectsByRule, function (r) {
        return [[r.rule], [t(r.titleVi, r.titleEn)], [String(r.records), r.records, "num"], [share(r.rate), r.rate, "num"]];
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
            { label: t("Đúng hạn", "within deadline"), data: trend.map(function (t) { return t.withinDeadlineShare; }), borderColor: "#3a6fb0" },
            { label: t("Đủ", "complete"), data: trend.map(function (t) { return t.completeShare; }), borderColor: "#2e8b57" },
            { label: t("Từ chối", "reject rate"), data: trend.map(function (t) { return t.rejectRate; }), borderColor: "#c0392b" }
          ]
        }
      });
      var errors = (body.errors || []).length;
      status(errors ? firstError(body) : "OK " + a.agencyCode, !errors);
      done(errors);
    });
  }

  var CLERK = "query($code: String!) { agencyScorecard(code: $code) { agencyCode name sources" +
    " rejectsByRule { rule titleVi titleEn expected expectedEn } } }";
  var REJECTS = "query($source: String!) { rejects(source: $source, first: 100) { edges { node {" +
    " sourceId sourceRecordId sourceVersion field rule value firstSeen } } } }";

  function loadClerk(code) {
    status("…", true);
    clerkRows = [];
    fillTable("clerk-table", [], null);  // never leave one identity's records under another
    var mine = ++latest;
    return gql(CLERK, { code: code }).then(function (body) {
      if (stale(mine)) return;
      var a = body.data && body.data.agencyScorecard;
      if (!a || !a.sources) { status(firstError(body) || t("Không có bảng đánh giá", "no scorecard for") + " " + code, false); return done(1); }
      $("clerk-title").textContent = t("Bản ghi cần sửa", "Records to correct") + " — " + a.name + " (" + a.agencyCode + ")";
      var titles = {};
      a.rejectsByRule.forEach(function (r) { titles[r.rule] = r; });
      return Promise.all(a.sources.map(function (s) { return gql(REJECTS, { source: s }); })).then(function (answers) {
        if (stale(mine)) return;
        clerkRows = [];
        var errors = 0;
        answers.forEach(function (answer) {
          if (!answer.data) { errors += 1; return; }
          answer.data.rejects.edges.forEach(function (e) { clerkRows.push(e.node); });
        });
        fillTable("clerk-table", clerkRows, function (r) {
          var rule = titles[r.rule] || { titleVi: r.rule, titleEn: r.rule, expected: "", expectedEn: "" };
          return [
            [r.sourceId + " · " + t("mã bản ghi", "record") + " " + r.sourceRecordId + " · " + t("phiên bản", "version") + " " + r.sourceVersion, r.sourceRecordId],
            [r.field], [t(rule.titleVi, rule.titleEn), r.rule],
            [r.value === null ? "(" + t("ẩn", "hidden") + ")" : r.value, r.value],
            [prefs.lang() === "en" ? rule.expectedEn : rule.expected], [when(r.firstSeen)]
          ];
        });
        status(errors ? firstError(answers[0]) : clerkRows.length + " " + t("bản ghi", "records"), !errors);
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

  function labelChoices() {  // the options' words, in the language chosen
    $("identity-none").textContent = "(" + t("chọn", "pick one") + ")";
    $("level-all").textContent = "(" + t("tất cả", "all") + ")";
    $("breached-any").textContent = "(" + t("bất kỳ", "any") + ")";
    $("level").querySelector("option[value='MINISTRY']").textContent = t("Bộ, ngành", "ministry");
    $("level").querySelector("option[value='PROVINCE']").textContent = t("Tỉnh", "province");
    Object.keys(BREACHES).forEach(function (b) {
      $("breached").querySelector("option[value='" + b + "']").textContent = breachName(b);
    });
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
    prefs.setIdentity(key);
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
    $("level").addEventListener("change", loadNational);
    $("breached").addEventListener("change", loadNational);
    Object.keys(BREACHES).forEach(function (b) {
      var o = document.createElement("option"); o.value = b; $("breached").appendChild(o);
    });
    labelChoices();
    prefs.onLang(function () { labelChoices(); reload(); });
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
      // the demo opens on a meaningful view: the identity kept across pages, else the central one
      var kept = prefs.identity();
      var offered = function (k) { return list.some(function (i) { return i.key === k; }); };
      var start = kept !== null && (kept === "" || offered(kept)) ? kept : (offered("central") ? "central" : "");
      $("identity").value = start;
      if (!list.length) status(t("Không có danh tính mẫu: gọi API bằng mã truy cập", "no demo identities: call the API with a token"), false);
      choose(start);
    });
  });
})();
