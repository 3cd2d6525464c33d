/*
 * The reader's settings and known-terms list: defaults, validation, versioned storage.
 *
 * Stored in `chrome.storage.local` under two keys so that a click on "I know this" does not
 * rewrite (and re-broadcast) the settings:
 *   settings: {version, serviceUrl, serviceToken, level, definitionLang, density, siteMode, sites,
 *              arxivReader, discover, searchUrl, hoverDelay, tint, placed}
 *   known:    {version, ids: [term ids]}
 * Every read goes through `migrate()`, which upgrades an older stored version one step at a
 * time and replaces any value that is not valid with its default, so no part of the extension
 * ever sees a half-valid setting.
 *
 * `serviceToken` is the secret a service started with TADORU_TOKEN asks for ("" = none).  Only the
 * service worker reads it, to send it as `Authorization: Bearer`; it is never logged, never put
 * in a message to a page, and never part of the known-terms export.
 *
 * Plain script: defines `globalThis.TadoruSettings` (used by the worker, content script,
 * popup and options page alike).
 */
(function (root) {
  "use strict";

  const VERSION = 1;
  const KNOWN_VERSION = 1;
  const DEFAULT_SERVICE_URL = "http://127.0.0.1:8765";

  const DEFAULTS = Object.freeze({
    version: VERSION,
    serviceUrl: DEFAULT_SERVICE_URL,
    serviceToken: "", // the service's TADORU_TOKEN, when it has one
    level: 1, // 1 shows every term, 3 only specialist terms
    definitionLang: "auto", // "auto" follows the browser's language
    // How many occurrences to mark (docs/ARCHITECTURE.md, "Density"): "calm" once per section and
    // never in headings, menus or bylines; "first" once per page; "all" every one.  Settings
    // stored before density existed keep their choice: firstOnly true reads as "first".
    density: "calm",
    siteMode: "all", // "all": every site except `sites`; "listed": only `sites`
    sites: [], // host names (a name also covers its subdomains)
    arxivReader: false, // open https://arxiv.org/pdf/… in the service's PDF reader automatically
    // Show words Tadoru does not know yet (issue 16): "off", "names" (what the page spells out and
    // coined names/acronyms) or "all" (compounds on a known term too).  "names" by default: on two
    // held-out sets definitions and acronyms meet the precision target (≥ 0.85) and the noise target
    // on other fields; compounds do not yet (README, "Words Tadoru does not know yet").  Settings
    // stored when this was a checkbox keep their choice: true reads as "all", false as "off".
    discover: "names",
    tint: true, // colour the highlights by level: green everyday, blue practitioner, purple specialist
    hoverDelay: 250, // ms the pointer rests on a highlight before its card opens
    placed: "", // the placement: "" not yet (offered on install), "done" or "skipped"
    searchUrl: "", // where a candidate's "Search" goes, with {q} for the word; "" = Wikipedia in the page's language
  });

  const CHOICES = Object.freeze({
    level: [1, 2, 3],
    placed: ["", "done", "skipped"],
    density: ["calm", "first", "all"],
    discover: ["off", "names", "all"],
    definitionLang: ["auto", "ja", "en"],
    siteMode: ["all", "listed"],
    hoverDelay: [0, 150, 250, 500, 800],
  });

  /** A service URL without trailing slash, or null when it is not an http(s) URL. */
  function normalizeServiceUrl(value) {
    if (typeof value !== "string") return null;
    let url;
    try {
      url = new URL(value.trim());
    } catch (_) {
      return null;
    }
    if (url.protocol !== "http:" && url.protocol !== "https:") return null;
    if (url.username || url.password || url.search || url.hash) return null;
    return url.origin + url.pathname.replace(/\/+$/, "");
  }

  const MAX_TOKEN_LENGTH = 512;
  const MAX_SEARCH_URL_LENGTH = 500;

  /**
   * A search URL template as typed: "" (the default), or an http(s) URL holding `{q}` where the
   * word goes; null when it is neither (a `javascript:` template must never become a link).
   */
  function normalizeSearchUrl(value) {
    if (value === undefined || value === null) return "";
    if (typeof value !== "string") return null;
    const template = value.trim();
    if (!template) return "";
    if (template.length > MAX_SEARCH_URL_LENGTH || !template.includes("{q}")) return null;
    try {
      const url = new URL(template.replace(/\{q\}/g, "q"));
      return url.protocol === "http:" || url.protocol === "https:" ? template : null;
    } catch (_) {
      return null;
    }
  }

  /**
   * The URL that searches for `word`: the reader's template, or Wikipedia's search in `lang`
   * ("ja" or "en", the page's language).
   */
  function searchLink(template, word, lang) {
    const q = encodeURIComponent(String(word));
    const valid = normalizeSearchUrl(template);
    if (valid) return valid.replace(/\{q\}/g, q);
    const wiki = lang === "ja" ? "ja" : "en";
    return `https://${wiki}.wikipedia.org/w/index.php?search=${q}`;
  }

  /**
   * A service token as typed (surrounding spaces dropped), "" for none, or null when it cannot
   * be one: an HTTP header carries visible ASCII only (the service checks the same).
   */
  function normalizeToken(value) {
    if (value === undefined || value === null) return "";
    if (typeof value !== "string") return null;
    const token = value.trim();
    if (token.length > MAX_TOKEN_LENGTH || !/^[\x21-\x7e]*$/.test(token)) return null;
    return token;
  }

  /**
   * The host-permission match pattern covering a service URL: scheme and host, any port (match
   * patterns cover every port; the manifest's loopback hosts are written the same way).
   */
  function originPattern(serviceUrl) {
    const url = new URL(serviceUrl);
    return `${url.protocol}//${url.hostname}/*`;
  }

  /** A host name as the reader may type it ("https://Example.com/x", "*.example.com") → "example.com". */
  function normalizeHost(value) {
    if (typeof value !== "string") return null;
    let host = value.trim().toLowerCase();
    if (!host) return null;
    host = host.replace(/^[a-z][a-z0-9+.-]*:\/\//, "").replace(/^\*\./, "");
    host = host.split(/[/?#]/)[0];
    try {
      host = new URL("http://" + host).hostname.replace(/\.$/, ""); // punycode, no port
    } catch (_) {
      return null;
    }
    return host || null;
  }

  function normalizeHosts(list) {
    const out = [];
    for (const item of Array.isArray(list) ? list : []) {
      const host = normalizeHost(item);
      if (host && !out.includes(host)) out.push(host);
    }
    return out;
  }

  /** Settings with every invalid or missing field replaced by its default. */
  function validate(raw) {
    const s = raw && typeof raw === "object" ? raw : {};
    const out = { version: VERSION };
    out.serviceUrl = normalizeServiceUrl(s.serviceUrl) || DEFAULTS.serviceUrl;
    const token = normalizeToken(s.serviceToken);
    out.serviceToken = token === null ? DEFAULTS.serviceToken : token;
    out.level = CHOICES.level.includes(Number(s.level)) ? Number(s.level) : DEFAULTS.level;
    out.definitionLang = CHOICES.definitionLang.includes(s.definitionLang) ? s.definitionLang : DEFAULTS.definitionLang;
    out.density = CHOICES.density.includes(s.density) ? s.density : s.firstOnly === true ? "first" : DEFAULTS.density;
    out.siteMode = CHOICES.siteMode.includes(s.siteMode) ? s.siteMode : DEFAULTS.siteMode;
    out.sites = normalizeHosts(s.sites);
    out.arxivReader = typeof s.arxivReader === "boolean" ? s.arxivReader : DEFAULTS.arxivReader;
    out.discover = CHOICES.discover.includes(s.discover) ? s.discover
      : s.discover === true ? "all" : s.discover === false ? "off" : DEFAULTS.discover;
    out.tint = typeof s.tint === "boolean" ? s.tint : DEFAULTS.tint;
    out.placed = CHOICES.placed.includes(s.placed) ? s.placed : DEFAULTS.placed;
    out.hoverDelay = CHOICES.hoverDelay.includes(Number(s.hoverDelay)) ? Number(s.hoverDelay) : DEFAULTS.hoverDelay;
    const searchUrl = normalizeSearchUrl(s.searchUrl);
    out.searchUrl = searchUrl === null ? DEFAULTS.searchUrl : searchUrl;
    return out;
  }

  /**
   * One function per stored version, each turning version n into version n + 1.  Version 0 is
   * "nothing stored yet" (or settings written before versions existed).
   */
  const MIGRATIONS = Object.freeze({
    0: (old) => ({ ...DEFAULTS, ...(old && typeof old === "object" ? old : {}), version: 1 }),
  });

  function migrate(stored) {
    let s = stored && typeof stored === "object" ? { ...stored } : {};
    let version = Number.isInteger(s.version) ? s.version : 0;
    if (version > VERSION) version = VERSION; // written by a newer extension: keep what validates
    while (version < VERSION) {
      s = MIGRATIONS[version](s);
      version = s.version;
    }
    return validate(s);
  }

  function storage() {
    return chrome.storage.local;
  }

  async function load() {
    const got = await storage().get("settings");
    return migrate(got.settings);
  }

  /** Merge `changes` into the stored settings; invalid values are refused with an Error. */
  async function save(changes) {
    const current = await load();
    const next = { ...current, ...changes };
    if ("serviceUrl" in changes && !normalizeServiceUrl(changes.serviceUrl)) {
      throw new Error(`not an http(s) URL: ${changes.serviceUrl}`);
    }
    if ("searchUrl" in changes && normalizeSearchUrl(changes.searchUrl) === null) {
      throw new Error(`not an http(s) URL with {q} in it: ${String(changes.searchUrl).slice(0, 80)}`);
    }
    if ("serviceToken" in changes && normalizeToken(changes.serviceToken) === null) {
      throw new Error("a token is letters, digits and punctuation, without spaces"); // never echo it
    }
    const valid = validate(next);
    await storage().set({ settings: valid });
    return valid;
  }

  // ------------------------------------------------------------------ known terms

  function cleanIds(ids) {
    const out = [];
    for (const id of Array.isArray(ids) ? ids : []) {
      if (typeof id !== "string") continue;
      const trimmed = id.trim();
      if (trimmed && !out.includes(trimmed)) out.push(trimmed);
    }
    return out;
  }

  async function loadKnown() {
    const got = await storage().get("known");
    const k = got.known;
    if (k && typeof k === "object" && Array.isArray(k.ids)) return cleanIds(k.ids);
    if (Array.isArray(k)) return cleanIds(k); // pre-version form
    return [];
  }

  async function saveKnown(ids) {
    const clean = cleanIds(ids).sort();
    await storage().set({ known: { version: KNOWN_VERSION, ids: clean } });
    return clean;
  }

  async function addKnown(newIds) {
    const ids = await loadKnown();
    return saveKnown(ids.concat(newIds));
  }

  async function removeKnown(id) {
    const ids = await loadKnown();
    return saveKnown(ids.filter((x) => x !== id));
  }

  // ------------------------------------------------------------------ looked-up history

  /** How many looked-up terms are kept (newest first): the learning list draws on them. */
  const HISTORY_MAX = 200;

  /** `[{id, at}]`, newest first, one entry per term, at most HISTORY_MAX; bad entries dropped. */
  function cleanHistory(items) {
    const out = [];
    const seen = new Set();
    for (const item of Array.isArray(items) ? items : []) {
      if (!item || typeof item.id !== "string" || !item.id.trim() || seen.has(item.id)) continue;
      seen.add(item.id);
      out.push({ id: item.id, at: Number.isFinite(item.at) ? item.at : 0 });
      if (out.length === HISTORY_MAX) break;
    }
    return out;
  }

  async function loadHistory() {
    const got = await storage().get("history");
    return cleanHistory(got.history && got.history.items);
  }

  /** The reader opened `id`'s card: it goes (back) to the front of the history. */
  async function addHistory(id, at = Date.now()) {
    const items = cleanHistory([{ id, at }, ...(await loadHistory())]);
    await storage().set({ history: { version: 1, items } });
    return items;
  }

  async function clearHistory() {
    await storage().set({ history: { version: 1, items: [] } });
  }

  /**
   * The terms the reader is learning — looked up and not known — as an Anki import file: the
   * same columns and headers as `tadoru lexicon export --format anki` (front, back, tags), one
   * card per term in the reader's language, so Anki's import dialog needs no settings.
   */
  function ankiDeck(cards, lang) {
    const field = (v) => String(v == null ? "" : v).replace(/[\t\r\n]+/g, " ");
    const other = lang === "ja" ? "en" : "ja";
    const rows = ["#separator:tab", "#html:false", "#columns:Front\tBack\tTags", "#tags column:3"];
    for (const c of cards) {
      if (!c || typeof c.id !== "string") continue;
      const label = (c.label && (c.label[lang] || c.label.en)) || c.id;
      const otherLabel = c.label && c.label[other];
      const definition = (c.definition && (c.definition[lang] || c.definition.en)) || "";
      const back = otherLabel && otherLabel !== label ? `${definition} (${otherLabel})` : definition;
      const tags = ["tadoru", "tadoru::learning", c.category && `tadoru::${c.category}`,
        Number.isInteger(c.level) && `tadoru::level${c.level}`, `tadoru::${lang}`].filter(Boolean).join(" ");
      rows.push([label, back, tags].map(field).join("\t"));
    }
    return rows.join("\n") + "\n";
  }

  /** The known ids stored in a `chrome.storage.onChanged` change of the "known" key. */
  function knownFromChange(change) {
    const v = change && change.newValue;
    if (v && typeof v === "object" && Array.isArray(v.ids)) return cleanIds(v.ids);
    return Array.isArray(v) ? cleanIds(v) : [];
  }

  // ------------------------------------------------------------------ sites and language

  function hostMatches(entry, hostname) {
    const host = String(hostname || "").toLowerCase();
    return host === entry || host.endsWith("." + entry);
  }

  /** Whether the extension runs on pages of `hostname`. */
  function siteEnabled(settings, hostname) {
    const listed = settings.sites.some((entry) => hostMatches(entry, hostname));
    return settings.siteMode === "all" ? !listed : listed;
  }

  /** Settings after the reader switched the extension on or off for `hostname`. */
  function withSite(settings, hostname, enabled) {
    const host = normalizeHost(hostname);
    if (!host) return settings;
    const wantListed = settings.siteMode === "all" ? !enabled : enabled;
    let sites = settings.sites.filter((entry) => !hostMatches(entry, host));
    if (wantListed) sites = sites.concat([host]);
    return { ...settings, sites };
  }

  /** "ja" or "en": the definition language for a setting, given the browser's UI language. */
  function definitionLang(setting, uiLanguage) {
    if (setting === "ja" || setting === "en") return setting;
    return String(uiLanguage || "").toLowerCase().startsWith("ja") ? "ja" : "en";
  }

  /** The API's `discover` for a `discover` setting: every kind, the names only, or none. */
  function discoverRequest(setting) {
    if (setting === "all") return true;
    if (setting === "names") return ["definition", "acronym"];
    return false;
  }

  const api = Object.freeze({
    VERSION, KNOWN_VERSION, DEFAULTS, CHOICES, DEFAULT_SERVICE_URL, MIGRATIONS,
    normalizeServiceUrl, normalizeToken, normalizeSearchUrl, searchLink, originPattern, normalizeHost, normalizeHosts, validate, migrate, load, save,
    loadKnown, saveKnown, addKnown, removeKnown, knownFromChange, cleanIds,
    HISTORY_MAX, cleanHistory, loadHistory, addHistory, clearHistory, ankiDeck,
    siteEnabled, withSite, hostMatches, definitionLang, discoverRequest,
  });
  root.TadoruSettings = api;
  if (typeof module !== "undefined" && module.exports) module.exports = api;
})(typeof globalThis !== "undefined" ? globalThis : self);
