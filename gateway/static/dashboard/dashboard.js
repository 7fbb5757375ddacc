/* The staffing dashboard: reads the GraphQL API with the viewer's token, draws with Chart.js.
   No data lives in the page; every figure is what the gateway lets this token see. The identity
   and the language are kept across pages by prefs.js (localStorage, or ?as= and ?lang=). */
(function () {
  "use strict";
  var $ = function (id) { return document.getElementById(id); };
  var charts = {};
  var trail = [];
  var token = "";
  var loads = 0;
  var prefs = window.CbccvcPrefs;
  var t = prefs.t;
  var quotaTitle = ["Biên chế và thực tế", "Headcount against quota"];
  var CATEGORY_NAMES = {
    cadre: ["Cán bộ", "cadres"], civil_servant: ["Công chức", "civil servants"],
    public_employee: ["Viên chức", "public employees"], contract_worker: ["Người lao động", "contract workers"]
  };

  function status(text, ok) {
    $("status").textContent = text;
    $("status").className = ok ? "ok" : "";
  }

  function authHeaders() {
    var value = ($("token").value || token || "").trim();
    if (value && value.indexOf("Bearer ") !== 0) value = "Bearer " + value;
    return value ? { Authorization: value } : {};
  }

  // Answers may come back out of order (the language switched during a load, an identity
  // switched): each load is a generation, and an answer of an older one is dropped, never drawn.
  var generation = 0;
  function Stale() { this.message = "stale"; }

  function gql(query, variables) {
    var asked = generation;
    var headers = Object.assign(
      { "Content-Type": "application/json", Accept: "application/graphql-response+json" },
      authHeaders()
    );
    return fetch("/graphql", {
      method: "POST", headers: headers, credentials: "omit",
      body: JSON.stringify({ query: query, variables: variables || {} })
    }).then(function (response) {
      if (asked !== generation) throw new Stale();
      return response.json().then(function (body) {
        if (body.errors && body.errors.length) {
          var error = new Error(body.errors[0].message);
          error.code = body.errors[0].extensions && body.errors[0].extensions.code;
          throw error;
        }
        return body.data;
      });
    });
  }

  function clearAll() {
    Object.keys(charts).forEach(function (id) { charts[id].destroy(); delete charts[id]; });
    $("over-quota").querySelector("tbody").innerHTML = "";
    $("trail").innerHTML = "";
  }

  function draw(id, config) {
    if (charts[id]) charts[id].destroy();
    config.options = Object.assign({ animation: false, responsive: true }, config.options || {});
    charts[id] = new Chart($(id), config);
    return charts[id];
  }

  var STAFFING = "query($org: String, $year: Int!) { staffing(orgCode: $org, year: $year, maxDepth: 1) {" +
    " organization { organizationCode organizationName level depth subtreeQuota { total } subtreeHeadcount { total } }" +
    " lines { organizationCode organizationName level depth status successorCode subtreeQuota { total } subtreeHeadcount { total } }" +
    " overQuota { organizationCode organizationName quota { total } headcount { total } vacancies { total } } } }";
  var STATISTICS = "query($groupBy: [StatisticsDimension!]!, $filter: StatisticsFilter) {" +
    " statistics(groupBy: $groupBy, filter: $filter) { cells { keys labels count suppressed } total minimumCount } }";

  function currentOrg() { return $("org").value.trim(); }

  function quotaChart(id, lines) {
    var chart = draw(id, {
      type: "bar",
      data: {
        labels: lines.map(function (l) {
          return l.status === "active" ? l.organizationName : l.organizationName + " → " + (l.successorCode || l.status);
        }),
        datasets: [
          { label: t("Thực tế", "headcount"), data: lines.map(function (l) { return l.subtreeHeadcount.total; }), backgroundColor: "#3a6fb0" },
          { label: t("Biên chế", "quota"), data: lines.map(function (l) { return l.subtreeQuota.total; }), backgroundColor: "#e3a33b" }
        ]
      },
      options: {
        onClick: function (event, elements) {
          if (elements.length) drill(lines[elements[0].index].organizationCode);
        },
        scales: { x: { ticks: { autoSkip: false, maxRotation: 80, minRotation: 50, font: { size: 9 } } } }
      }
    });
    chart.canvas.dataset.codes = lines.map(function (l) { return l.organizationCode; }).join(",");
  }

  function loadQuota(org, year) {
    return gql(STAFFING, { org: org || null, year: year }).then(function (data) {
      var s = data.staffing;
      // the organisations merged or dissolved in 2025 are history: behind the toggle, with
      // their successor, never as empty bars beside the ones that exist
      var merged = $("merged").checked;
      var children = s.lines.filter(function (l) {
        return l.depth === s.organization.depth + 1 && (merged || l.status === "active");
      });
      if (!children.length) children = [s.organization];  // a leaf: its own bar
      var provinces = children.filter(function (l) { return l.level === "province"; });
      var others = children.filter(function (l) { return l.level !== "province"; });
      // at the national root: provinces in the first chart, ministries and agencies in the second
      if (provinces.length && others.length) {
        quotaTitle = ["Biên chế và thực tế theo tỉnh (bấm để xem chi tiết)", "Headcount against quota by province (click to drill down)"];
        quotaChart("quota-chart", provinces);
        quotaChart("quota-chart-other", others);
        $("other-section").hidden = false;
      } else {
        quotaTitle = ["Biên chế và thực tế theo đơn vị (bấm để xem chi tiết)", "Headcount against quota (click to drill down)"];
        quotaChart("quota-chart", children);
        $("other-section").hidden = true;
      }
      $("quota-title").textContent = t(quotaTitle[0], quotaTitle[1]);
      var body = $("over-quota").querySelector("tbody");
      body.innerHTML = "";
      s.overQuota.slice().sort(function (a, b) { return a.vacancies.total - b.vacancies.total; })
        .slice(0, 50).forEach(function (line) {
          var row = document.createElement("tr");
          row.className = "drill";
          [line.organizationCode, line.organizationName, line.quota.total, line.headcount.total, line.vacancies.total]
            .forEach(function (value, i) {
              var cell = document.createElement("td");
              cell.textContent = String(value);
              if (i >= 2) cell.className = "num";
              row.appendChild(cell);
            });
          row.addEventListener("click", function () { drill(line.organizationCode); });
          body.appendChild(row);
        });
      return s.organization;
    });
  }

  function loadAges(org) {
    var filter = { statuses: ["ACTIVE"] };
    if (org) filter.organization = org;
    return gql(STATISTICS, { groupBy: ["AGE_BAND", "GENDER"], filter: filter }).then(function (data) {
      var bands = ["<30", "30-39", "40-49", "50-59", "60+"];
      var male = bands.map(function () { return 0; }), female = bands.map(function () { return 0; });
      data.statistics.cells.forEach(function (cell) {
        var i = bands.indexOf(cell.keys[0]);
        if (i < 0 || cell.count === null) return;
        if (cell.keys[1] === "male") male[i] = -cell.count; else female[i] = cell.count;
      });
      draw("age-chart", {
        type: "bar",
        data: { labels: bands, datasets: [
          { label: t("Nam", "male"), data: male, backgroundColor: "#3a6fb0" },
          { label: t("Nữ", "female"), data: female, backgroundColor: "#c0508a" }
        ] },
        options: { indexAxis: "y", scales: { x: { stacked: true }, y: { stacked: true, reverse: true } } }
      });
    });
  }

  function loadCategories(org) {
    var filter = { statuses: ["ACTIVE"] };
    if (org) filter.organization = org;
    return gql(STATISTICS, { groupBy: ["CATEGORY"], filter: filter }).then(function (data) {
      var cells = data.statistics.cells;
      draw("category-chart", {
        type: "doughnut",
        data: {
          labels: cells.map(function (c) {
            var name = CATEGORY_NAMES[c.keys[0]];
            return name ? t(name[0], name[1]) : c.keys[0];
          }),
          datasets: [{ data: cells.map(function (c) { return c.count; }),
                       backgroundColor: ["#3a6fb0", "#4fa37a", "#e3a33b", "#9a6bbf"] }]
        }
      });
    });
  }

  var TREND = "query($org: String) { headcountTrend(organization: $org, months: 24) { month headcount } }";

  function loadTrend(org) {
    return gql(TREND, { org: org || null }).then(function (data) {
      var points = data.headcountTrend;
      draw("trend-chart", {
        type: "line",
        data: {
          labels: points.map(function (p) { return p.month.slice(0, 7); }),
          datasets: [{ label: t("Biên chế thực tế", "headcount"), data: points.map(function (p) { return p.headcount; }),
                       borderColor: "#3a6fb0", backgroundColor: "#3a6fb0", tension: 0.2 }]
        }
      });
    });
  }

  function renderTrail() {
    var nav = $("trail");
    nav.innerHTML = "";
    trail.forEach(function (item, i) {
      var link = document.createElement("a");
      link.textContent = item.name || item.code;
      link.addEventListener("click", function () {
        trail = trail.slice(0, i + 1);
        $("org").value = i === 0 && !trail.length ? "" : item.code;
        load(false);
      });
      nav.appendChild(link);
      if (i < trail.length - 1) nav.appendChild(document.createTextNode("› "));
    });
  }

  function drill(code) {
    $("org").value = code;
    load(true);
  }

  function load(push) {
    var org = currentOrg();
    var year = parseInt($("year").value, 10) || new Date().getFullYear();
    var errors = [];
    var catching = function (what) {
      return function (error) { if (!(error instanceof Stale)) errors.push(what + ": " + error.message); };
    };
    var mine = ++generation;
    status("…", true);
    clearAll();  // never leave one identity's figures on screen under another
    var quota = loadQuota(org, year);
    return Promise.all([
      quota.then(function (shown) {
        var code = shown.organizationCode;
        if (push !== false) {
          if (!trail.length || trail[trail.length - 1].code !== code) trail.push({ code: code, name: shown.organizationName });
        }
        renderTrail();
      }).catch(catching(t("biên chế", "quota"))),
      loadAges(org).catch(catching(t("tháp tuổi", "ages"))),
      loadCategories(org).catch(catching(t("cơ cấu", "categories"))),
      loadTrend(org).catch(catching(t("xu hướng", "trend")))
    ]).then(function () {
      loads += 1;
      document.body.dataset.loads = String(loads);
      if (mine !== generation) return;  // a later load owns the page now
      document.body.dataset.errors = String(errors.length);
      if (errors.length) status(errors.join(" · "), false);
      else status("OK " + (org || ""), true);
    });
  }

  function download(kind) {
    var params = new URLSearchParams({ groupBy: "ORGANIZATION,CATEGORY", statuses: "ACTIVE" });
    if (currentOrg()) params.set("organization", currentOrg());
    fetch("/export/statistics." + kind + "?" + params.toString(), { headers: authHeaders(), credentials: "omit" })
      .then(function (response) {
        if (!response.ok) return response.json().then(function (b) { throw new Error(b.error); });
        return response.blob();
      })
      .then(function (blob) {
        var link = document.createElement("a");
        link.href = URL.createObjectURL(blob);
        link.download = "statistics." + kind;
        document.body.appendChild(link);
        link.click();
        setTimeout(function () { URL.revokeObjectURL(link.href); link.remove(); }, 1000);
      })
      .catch(function (error) { status("export: " + error.message, false); });
  }

  function identities() {
    return fetch("/graphiql/identities", { credentials: "omit" }).then(function (response) {
      return response.ok ? response.json() : [];
    }).catch(function () { return []; });
  }

  function chooseIdentity(key) {
    prefs.setIdentity(key);  // kept across pages: the scorecard pages read it
    if (!key) { token = ""; return Promise.resolve(); }
    // fetched again on every choice, so the token is fresh (they live minutes)
    return identities().then(function (list) {
      var identity = list.filter(function (item) { return item.key === key; })[0];
      if (!identity) throw new Error(t("không có danh tính", "identity is not offered:") + " " + key);
      token = identity.token || "";
      $("token").value = "";
      trail = [];
      // the central level sees the whole country: start at the national root
      $("org").value = identity.level === "central" ? "" : (identity.organization || "");
      return load(true);
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    $("year").value = String(new Date().getFullYear());
    $("controls").addEventListener("submit", function (event) { event.preventDefault(); trail = []; load(true); });
    $("up").addEventListener("click", function () {
      if (trail.length > 1) { trail.pop(); $("org").value = trail[trail.length - 1].code; load(false); }
    });
    $("export-csv").addEventListener("click", function () { download("csv"); });
    $("export-xlsx").addEventListener("click", function () { download("xlsx"); });
    $("merged").addEventListener("change", function () { load(false); });
    $("identity-none").textContent = "(" + t("mã truy cập bên dưới", "token below") + ")";
    $("quota-title").textContent = t(quotaTitle[0], quotaTitle[1]);
    prefs.onLang(function () {  // the page's own words again, then the charts with theirs
      $("identity-none").textContent = "(" + t("mã truy cập bên dưới", "token below") + ")";
      $("quota-title").textContent = t(quotaTitle[0], quotaTitle[1]);
      if (token || $("token").value) load(false);
    });
    $("identity").addEventListener("change", function (event) {
      chooseIdentity(event.target.value).catch(function (error) { status(error.message, false); });
    });
    identities().then(function (list) {
      list.forEach(function (item) {
        var option = document.createElement("option");
        option.value = item.key;
        option.textContent = item.label;
        $("identity").appendChild(option);
      });
      document.body.dataset.identities = String(list.length);
      // a newcomer meets a meaningful view: the identity kept for this tab, else (in the demo)
      // the central one; without demo identities, a prompt to bring a token
      var kept = prefs.identity();
      var offered = function (key) { return list.some(function (i) { return i.key === key; }); };
      var start = kept !== null && (kept === "" || offered(kept)) ? kept : (offered("central") ? "central" : "");
      if (!list.length) { status(t("Dán mã truy cập (token) rồi bấm Xem", "paste a token and press show"), false); return; }
      $("identity").value = start;
      if (start) chooseIdentity(start).catch(function (error) { status(error.message, false); });
    });
  });
})();
