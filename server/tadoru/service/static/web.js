/*
 * Tadoru's web pages: attach the shared tooltip (tooltip.js, the same one the extension uses)
 * to the highlighted terms, and keep the reader's "I know this" list in localStorage so the
 * next text they paste leaves those terms unmarked. No inline scripts anywhere: settings come
 * from data- attributes on <body>, term cards from <script type="application/json">.
 */
(function () {
  "use strict";

  var KNOWN_KEY = "tadoru.known";
  var LEVEL_KEY = "tadoru.level"; // set by the placement: the paste form's level on a fresh visit
  var PLACED_KEY = "tadoru.placed"; // "done" or "skipped": the placement is not offered again
  var body = document.body;
  var lang = body.getAttribute("data-lang") === "ja" ? "ja" : "en";
  var api = body.getAttribute("data-api") || "/api/v1";
  var termUrl = body.getAttribute("data-term-url") || "/terms/";
  var cssUrl = body.getAttribute("data-tooltip-css") || "/static/tooltip.css";

  function readCards() {
    var node = document.getElementById("tadoru-cards");
    if (!node) return {};
    try {
      var data = JSON.parse(node.textContent || "{}");
      return data && typeof data === "object" ? data : {};
    } catch (e) {
      return {};
    }
  }

  function readKnown() {
    try {
      var list = JSON.parse(window.localStorage.getItem(KNOWN_KEY) || "[]");
      return Array.isArray(list) ? list.filter(function (x) { return typeof x === "string"; }) : [];
    } catch (e) {
      return [];
    }
  }

  function load(key) {
    try {
      return window.localStorage.getItem(key);
    } catch (e) {
      return null;
    }
  }

  function store(key, value) {
    try {
      window.localStorage.setItem(key, value);
    } catch (e) {
      /* private mode: the choice lasts for this page only */
    }
  }

  function writeKnown(list) {
    try {
      window.localStorage.setItem(KNOWN_KEY, JSON.stringify(list));
    } catch (e) {
      /* private mode: the choice lasts for this page only */
    }
    showKnown();
    // With the Tadoru extension installed, its content script keeps one list for both: it takes
    // the change from here (and writes its own list back, announcing it with tadoru:known-synced).
    document.dispatchEvent(new CustomEvent("tadoru:known"));
  }
  document.addEventListener("tadoru:known-synced", function () { showKnown(); });

  function unwrap(id) {
    var selector = "tadoru-term[data-term=\"" + (window.CSS && CSS.escape ? CSS.escape(id) : id) + "\"]";
    document.querySelectorAll(selector).forEach(function (el) {
      el.replaceWith.apply(el, Array.prototype.slice.call(el.childNodes));
    });
    document.querySelectorAll(".found-terms li[data-term]").forEach(function (li) {
      if (li.getAttribute("data-term") === id) li.classList.add("is-known");
    });
  }

  function showKnown() {
    var info = document.getElementById("known-info");
    if (!info) return;
    var count = readKnown().length;
    info.hidden = count === 0;
    var n = document.getElementById("known-count");
    if (n) n.textContent = String(count);
  }

  var cards = readCards();

  function getCard(id) {
    if (cards[id]) return Promise.resolve(cards[id]);
    return fetch(api + "/terms/" + encodeURIComponent(id), { headers: { Accept: "application/json" } })
      .then(function (r) {
        if (!r.ok) throw new Error("HTTP " + r.status);
        return r.json();
      })
      .then(function (card) {
        cards[id] = card;
        return card;
      });
  }

  if (window.TadoruTooltip) {
    // Highlights tinted by level, as in the extension (issue 15 #2).
    window.TadoruTooltip.tint(document, function (id) { return cards[id] ? cards[id].level : null; });
    window.TadoruTooltip.attach({
      root: document,
      lang: lang,
      getCard: getCard,
      termPageUrl: function (id) { return termUrl + encodeURIComponent(id); },
      onKnown: function (id) {
        var list = readKnown();
        if (list.indexOf(id) < 0) list.push(id);
        writeKnown(list);
        unwrap(id);
        return Promise.resolve();
      },
      cssUrl: cssUrl,
      linkTarget: "_self"
    });
    // Hovering before this line shows nothing: say when the marks answer (tests wait for it).
    document.documentElement.setAttribute("data-tadoru-ready", "");
  }

  // The placement (GET /placement): its result page carries the level and the terms to count as
  // known; they join the reader's list here, in the browser, like "I know this" does.
  var placement = document.getElementById("tadoru-placement");
  if (placement) {
    try {
      var placed = JSON.parse(placement.textContent || "{}");
      var known = readKnown();
      (Array.isArray(placed.known) ? placed.known : []).forEach(function (id) {
        if (typeof id === "string" && known.indexOf(id) < 0) known.push(id);
      });
      writeKnown(known);
      if ([1, 2, 3].indexOf(placed.level) >= 0) store(LEVEL_KEY, String(placed.level));
      store(PLACED_KEY, "done");
      var saved = document.getElementById("placement-saved");
      if (saved) saved.hidden = false;
    } catch (e) {
      /* a result page without its data: nothing to keep */
    }
  }
  var skip = document.getElementById("placement-skip");
  if (skip) skip.addEventListener("click", function () { store(PLACED_KEY, "skipped"); });
  var invite = document.getElementById("placement-invite");
  if (invite && !load(PLACED_KEY)) invite.hidden = false;

  var form = document.getElementById("tadoru-form");
  if (form && form.hasAttribute("data-fresh")) {
    var storedLevel = load(LEVEL_KEY);
    var levelSelect = document.getElementById("level");
    if (levelSelect && /^[123]$/.test(storedLevel || "")) levelSelect.value = storedLevel;
  }
  if (form) {
    form.addEventListener("submit", function (event) {
      var field = document.getElementById("known");
      if (field) field.value = readKnown().join(",");
      // A PDF opens in the reader, which draws its pages (pending.js carries the file there).
      var input = document.getElementById("file");
      var file = input && input.files && input.files[0];
      var reader = input && input.getAttribute("data-reader");
      if (file && reader && (file.type === "application/pdf" || /\.pdf$/i.test(file.name || ""))) {
        event.preventDefault();
        var level = document.getElementById("level");
        var discover = document.getElementById("discover");
        var target = reader + "?level=" + encodeURIComponent(level ? level.value : "1") +
          "&discover=" + encodeURIComponent(discover ? discover.value : "off") + "#pending";
        var base = document.body.getAttribute("data-static") || "/static/";
        import(base + "pending.js").then(function (m) { return m.keepPendingPdf(file); })
          .then(function () { window.location.assign(target); }, function () { form.submit(); });
      }
    });
    var forget = document.getElementById("known-forget");
    if (forget) {
      forget.addEventListener("click", function () { writeKnown([]); });
    }
    showKnown();
  }

  // The glossary searches as the reader types (labels, readings, typos: GET /glossary/search),
  // with the filters as they stand; entries are built with textContent only. Without script
  // the form submits as before, and Enter still does.
  var filters = document.querySelector("form.filters[data-search]");
  var list = document.getElementById("glossary");
  var query = document.getElementById("q");
  if (filters && list && query && window.fetch && window.URLSearchParams) {
    var endpoint = filters.getAttribute("data-search");
    var count = document.getElementById("glossary-count");
    var empty = document.getElementById("glossary-empty");
    var more = document.getElementById("glossary-more");
    var timer = null;
    var asked = 0;

    var currentParams = function () {
      var params = new URLSearchParams();
      new FormData(filters).forEach(function (value, key) {
        if (typeof value === "string" && value !== "") params.append(key, value);
      });
      return params.toString();
    };
    var shown = currentParams();

    var textNode = function (tag, className, text) {
      var node = document.createElement(tag);
      if (className) node.className = className;
      node.textContent = text;
      return node;
    };

    var entryNode = function (e) {
      var div = document.createElement("div");
      div.className = "entry";
      div.setAttribute("data-term", String(e.id));
      div.setAttribute("data-level", String(e.level));
      div.setAttribute("data-category", String(e.category));
      var dt = document.createElement("dt");
      var link = textNode("a", "", String(e.label));
      link.setAttribute("href", String(e.url));
      dt.appendChild(link);
      if (e.other !== e.label) {
        dt.appendChild(document.createTextNode(" "));
        dt.appendChild(textNode("span", "other-label", String(e.other)));
      }
      dt.appendChild(document.createTextNode(" "));
      var level = textNode("span", "level level-" + Number(e.level), String(e.level_text));
      level.setAttribute("title", String(e.level_name));
      dt.appendChild(level);
      dt.appendChild(document.createTextNode(" "));
      dt.appendChild(textNode("span", "category", String(e.category_name)));
      div.appendChild(dt);
      div.appendChild(textNode("dd", "", String(e.definition)));
      return div;
    };

    var show = function (data, params) {
      var entries = Array.isArray(data.entries) ? data.entries : [];
      list.replaceChildren.apply(list, entries.map(entryNode));
      list.hidden = entries.length === 0;
      if (count) count.textContent = String(data.count || "");
      if (empty) empty.hidden = entries.length > 0;
      if (more) {
        more.textContent = String(data.more || "");
        more.hidden = !data.more;
      }
      // The address says what is shown, so Reload and Back keep the search.
      var address = filters.getAttribute("action") + (params ? "?" + params : "");
      try { window.history.replaceState(null, "", address); } catch (e) { /* an opaque origin */ }
    };

    var search = function () {
      var params = currentParams();
      if (params === shown) return;
      shown = params;
      var mine = ++asked;
      fetch(endpoint + (params ? "?" + params : ""), { headers: { Accept: "application/json" }, credentials: "same-origin" })
        .then(function (r) {
          if (!r.ok) throw new Error("HTTP " + r.status);
          return r.json();
        })
        .then(function (data) { if (mine === asked) show(data, params); })
        .catch(function () { shown = null; /* the form still submits */ });
    };

    query.addEventListener("input", function () {
      window.clearTimeout(timer);
      timer = window.setTimeout(search, 150);
    });
    filters.querySelectorAll("select").forEach(function (select) {
      select.addEventListener("change", search);
    });
  }
})();
