/* The viewer's choices, kept across the dashboard and the scorecard pages (national, agency,
   clerk): the language (Vietnamese by default, with English beside it; or English alone) and
   the demo identity. Both live in localStorage, so they follow the viewer from page to page and
   tab to tab with no server session; a URL parameter sets them too (?lang=en, ?as=<identity
   key>), so a link can carry them. Only the identity's key is kept, never its token: tokens
   live minutes and are fetched again on every choice.

   Static text is written twice in the pages, <span data-l="vi">…</span><span data-l="en">…</span>,
   and the stylesheet shows what the language asks for (html[data-lang]); text the scripts write
   goes through CbccvcPrefs.t(vi, en). */
(function () {
  "use strict";
  var LANG = "cbccvc.lang";
  var IDENTITY = "cbccvc.identity";
  var listeners = [];

  function read(key) {
    try { return localStorage.getItem(key); } catch (e) { return null; }  // storage may be off
  }
  function write(key, value) {
    try { localStorage.setItem(key, value); } catch (e) { /* kept for this page only */ }
  }
  function normal(lang) { return lang === "en" ? "en" : "vi"; }

  var params = new URLSearchParams(location.search);
  var current = normal(params.has("lang") ? params.get("lang") : read(LANG));
  if (params.has("lang")) write(LANG, current);
  if (params.has("as")) write(IDENTITY, params.get("as") || "");

  function t(vi, en) { return current === "en" ? en : vi + " / " + en; }

  function apply() {
    var root = document.documentElement;
    root.lang = current;
    root.dataset.lang = current;
    var body = document.body;
    if (body && body.dataset.titleVi) document.title = t(body.dataset.titleVi, body.dataset.titleEn);
    document.querySelectorAll("[data-placeholder-vi]").forEach(function (input) {
      input.placeholder = t(input.dataset.placeholderVi, input.dataset.placeholderEn);
    });
    var choice = document.getElementById("lang");
    if (choice) choice.value = current;
  }

  window.CbccvcPrefs = {
    lang: function () { return current; },
    t: t,
    setLang: function (lang) {
      current = normal(lang);
      write(LANG, current);
      apply();
      listeners.forEach(function (listener) { listener(current); });
    },
    onLang: function (listener) { listeners.push(listener); },
    identity: function () { return read(IDENTITY); },
    setIdentity: function (key) { write(IDENTITY, key || ""); },
    apply: apply
  };

  document.addEventListener("DOMContentLoaded", function () {
    apply();
    var choice = document.getElementById("lang");
    if (choice) choice.addEventListener("change", function () { window.CbccvcPrefs.setLang(choice.value); });
  });
  apply();
})();
