/*
 * The extension's service worker: the ONLY part that talks to the Tadoru service.
 *
 * Chromium does not let a content script on a public page reach 127.0.0.1 (Local Network
 * Access), while the worker may, through `host_permissions`; so content scripts, the popup and
 * the options page send declared messages (shared/messages.js) here.  The worker:
 *   - POSTs page text to /api/v1/annotate with the reader's options and known terms;
 *   - answers term cards from a cache (filled by every annotate answer) before asking
 *     GET /api/v1/terms/<id>;
 *   - checks GET /api/v1/health and the service's version, and when the service is down, too
 *     old or locked (it needs a token) shows a "!" badge and keeps a clear message for the popup;
 *     the page is left alone;
 *   - sends the reader's service token, when one is set, as `Authorization: Bearer` (the token
 *     stays here: it is never logged nor passed to a page);
 *   - treats 503 `overloaded` as "busy": it waits the service's Retry-After (up to
 *     BUSY_RETRY_MAX_S) and tries once more before telling the reader to retry later.
 *
 * Chromium runs this file as a classic service worker; Firefox (no MV3 service workers yet)
 * loads the same files through `background.scripts`.
 */
"use strict";

if (typeof importScripts === "function") {
  importScripts("shared/messages.js", "shared/settings.js", "shared/pagedoc.js");
}

const { TadoruError } = self.TadoruMessages;
const Settings = self.TadoruSettings;

/** The oldest service this extension works with (API v1 first shipped in 0.1.0). */
const MIN_SERVICE_VERSION = "0.1.0";
const HEALTH_TTL_MS = 30000;
const TIMEOUT_MS = { health: 4000, term: 8000, annotate: 60000 };
const CARD_CACHE_SIZE = 2000;
const BADGE_COLOR = { down: "#b00020", too_old: "#b26a00", unauthorized: "#b26a00", busy: "#b26a00" };
const BUSY_RETRY_MAX_S = 5;

const cards = new Map(); // "serviceUrl\nid" → card, oldest first (a small LRU)
const pageReports = new Map(); // tabId → {count, timings, url}
let health = { at: 0, serviceUrl: "", token: "", promise: null };
const lexiconFingerprints = new Map(); // serviceUrl → the lexicon fingerprint its cached cards came from
let lastStatus = null;

// ------------------------------------------------------------------ talking to the service

/** A message in the browser's language (from _locales). */
function t(key, substitutions) {
  return chrome.i18n.getMessage(key, substitutions) || key;
}

function versionTuple(v) {
  return String(v || "0").split(/[.+-]/).slice(0, 3).map((x) => parseInt(x, 10) || 0);
}

function versionAtLeast(v, min) {
  const a = versionTuple(v);
  const b = versionTuple(min);
  for (let i = 0; i < 3; i++) {
    if ((a[i] || 0) !== (b[i] || 0)) return (a[i] || 0) > (b[i] || 0);
  }
  return true;
}

/**
 * `fetch` the service with a timeout; turns every way of failing into a TadoruError whose
 * message a reader can act on.  Resolves to the decoded JSON of a 2xx answer.
 */
async function callService(serviceUrl, path, { method = "GET", body, kind = "term", token = "" } = {}) {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), TIMEOUT_MS[kind]);
  const headers = { Accept: "application/json" };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  if (token) headers.Authorization = `Bearer ${token}`;
  let response;
  try {
    response = await fetch(serviceUrl + path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: controller.signal,
      credentials: "omit",
      cache: "no-store",
    });
  } catch (err) {
    if (controller.signal.aborted) {
      throw new TadoruError("timeout", t("errTimeout", [serviceUrl, String(TIMEOUT_MS[kind] / 1000)]));
    }
    throw new TadoruError("service_unreachable", t("errUnreachable", [serviceUrl]));
  } finally {
    clearTimeout(timer);
  }
  let data = null;
  try {
    data = await response.json();
  } catch (_) {
    data = null;
  }
  if (kind === "health" && data && typeof data.status === "string") return data; // 503 "degraded" too
  if (!response.ok) {
    const err = data && data.error;
    const tadoruError = err && typeof err.code === "string";
    if (response.status === 401 && tadoruError) {
      throw new TadoruError("unauthorized", t(token ? "errTokenRejected" : "errTokenNeeded", [serviceUrl]));
    }
    if (response.status === 503 && tadoruError && err.code === "overloaded") {
      const seconds = Math.max(1, parseInt(response.headers.get("Retry-After") || "1", 10) || 1);
      const busy = new TadoruError("overloaded", t("errBusy", [serviceUrl, String(seconds)]));
      busy.retryAfter = seconds;
      throw busy;
    }
    if (response.status === 404 && kind === "term" && tadoruError) {
      throw new TadoruError("unknown_term", `${err.message || err.code} (HTTP 404)`);
    }
    if (response.status === 404 || response.status === 405) {
      // The route itself is missing: not a Tadoru service, or one without API v1.
      throw new TadoruError("service_too_old", t("errNoApi", [serviceUrl, path.split("?")[0]]));
    }
    if (tadoruError) {
      throw new TadoruError("service_error", `${err.message || err.code} (HTTP ${response.status})`);
    }
    throw new TadoruError("bad_response", t("errNotTadoru", [serviceUrl, String(response.status)]));
  }
  if (data === null || typeof data !== "object") {
    throw new TadoruError("bad_response", t("errNotJson", [serviceUrl + path]));
  }
  return data;
}

/** The service's health, checked at most every HEALTH_TTL_MS; throws for down, too old or locked. */
function checkHealth(serviceUrl, { fresh = false, token = "" } = {}) {
  const stale = Date.now() - health.at > HEALTH_TTL_MS || health.serviceUrl !== serviceUrl || health.token !== token;
  if (fresh || stale || !health.promise) {
    const promise = (async () => {
      const data = await callService(serviceUrl, "/api/v1/health", { kind: "health", token });
      if (data.auth === "required") {
        // Health is open to all; the rest of the API wants the token this reader has not set.
        throw new TadoruError("unauthorized", t("errTokenNeeded", [serviceUrl]));
      }
      if (data.status !== "ok") {
        throw new TadoruError("service_error", t("errStatus", [serviceUrl, String(data.status)]));
      }
      if (data.version !== undefined && !versionAtLeast(data.version, MIN_SERVICE_VERSION)) {
        throw new TadoruError("service_too_old", t("errTooOld", [serviceUrl, String(data.version), MIN_SERVICE_VERSION]));
      }
      forgetStaleCards(serviceUrl, data.lexicon && data.lexicon.fingerprint);
      return data;
    })();
    health = { at: Date.now(), serviceUrl, token, promise };
    promise.catch(() => {
      if (health.promise === promise) health.at = 0; // retry at the next request
    });
  }
  return health.promise;
}

// ------------------------------------------------------------------ status and badge

async function setStatus(state, message, serviceUrl, extra = {}) {
  lastStatus = { state, message, serviceUrl, at: Date.now(), ...extra };
  const failed = state !== "ok";
  try {
    await chrome.action.setBadgeText({ text: failed ? "!" : "" });
    if (failed) {
      await chrome.action.setBadgeBackgroundColor({ color: BADGE_COLOR[state] || BADGE_COLOR.down });
    }
    await chrome.action.setTitle({ title: failed ? `Tadoru: ${message}` : chrome.i18n.getMessage("extName") });
  } catch (_) {
    /* no action UI (tests without a window): the status is still kept for the popup */
  }
  try {
    await chrome.storage.session.set({ status: lastStatus });
  } catch (_) {
    /* storage.session missing in old browsers */
  }
}

function stateOfError(err) {
  if (err.code === "service_too_old") return "too_old";
  if (err.code === "unauthorized") return "unauthorized";
  if (err.code === "overloaded") return "busy";
  if (err.code === "service_unreachable" || err.code === "timeout") return "down";
  return "error";
}

async function failed(err, serviceUrl) {
  const e = TadoruError.from(err);
  const reported = ["service_unreachable", "service_too_old", "timeout", "bad_response", "permission_denied", "unauthorized",
    "overloaded"];
  if (reported.includes(e.code)) {
    await setStatus(stateOfError(e), e.message, serviceUrl);
  }
  throw e;
}

const permitted = new Map(); // match pattern → Promise<boolean>, forgotten when permissions change

function hasPermission(serviceUrl) {
  const pattern = Settings.originPattern(serviceUrl);
  if (!permitted.has(pattern)) {
    permitted.set(pattern, chrome.permissions.contains({ origins: [pattern] }).catch(() => true));
  }
  return permitted.get(pattern);
}

if (chrome.permissions.onAdded) {
  chrome.permissions.onAdded.addListener(() => permitted.clear());
  chrome.permissions.onRemoved.addListener(() => permitted.clear());
}

// ------------------------------------------------------------------ the reader's settings

let stored = null; // Promise<[settings, known]>, dropped whenever storage changes

function readerSettings() {
  if (!stored) stored = Promise.all([Settings.load(), Settings.loadKnown()]);
  return stored;
}

async function requirePermission(serviceUrl) {
  if (!(await hasPermission(serviceUrl))) {
    throw new TadoruError("permission_denied", t("errPermission", [serviceUrl]));
  }
}

// ------------------------------------------------------------------ card cache

/** The service's lexicon changed (edited, or another lexicon folder): its cached cards are stale. */
function forgetStaleCards(serviceUrl, fingerprint) {
  if (typeof fingerprint !== "string") return;
  const previous = lexiconFingerprints.get(serviceUrl);
  lexiconFingerprints.set(serviceUrl, fingerprint);
  if (previous === undefined || previous === fingerprint) return;
  for (const key of [...cards.keys()]) {
    if (key.startsWith(serviceUrl + "\n")) cards.delete(key);
  }
}

function cacheCard(serviceUrl, card) {
  if (!card || typeof card.id !== "string") return;
  const key = serviceUrl + "\n" + card.id;
  cards.delete(key);
  cards.set(key, card);
  while (cards.size > CARD_CACHE_SIZE) cards.delete(cards.keys().next().value);
}

// ------------------------------------------------------------------ handlers

function checkAnnotateAnswer(data) {
  if (typeof data.lang !== "string" || !Array.isArray(data.annotations)) {
    throw new TadoruError("bad_response", "the service's annotate answer lacks lang or annotations");
  }
  for (const a of data.annotations) {
    if (!a || typeof a.term !== "string" || !Number.isInteger(a.start) || !Number.isInteger(a.end) || typeof a.exact !== "string") {
      throw new TadoruError("bad_response", "the service's annotate answer holds a malformed annotation");
    }
  }
  const terms = data.terms && typeof data.terms === "object" && !Array.isArray(data.terms) ? data.terms : {};
  return { lang: data.lang, annotations: data.annotations, terms };
}

/** Annotate once more after the service's Retry-After when it said it is busy (503 overloaded). */
async function annotateCall(serviceUrl, body, token) {
  const call = () => callService(serviceUrl, "/api/v1/annotate", { method: "POST", body, kind: "annotate", token });
  try {
    return await call();
  } catch (err) {
    if (!(err instanceof TadoruError) || err.code !== "overloaded" || err.retryAfter > BUSY_RETRY_MAX_S) throw err;
    await new Promise((resolve) => setTimeout(resolve, err.retryAfter * 1000));
    return call();
  }
}

async function annotate({ text, breaks }) {
  const [settings, known] = await readerSettings();
  const serviceUrl = settings.serviceUrl;
  const token = settings.serviceToken;
  if (!breaks.every((b) => Number.isInteger(b))) throw new TadoruError("bad_message", "annotate.payload.breaks must hold integers");
  // As `html`, so the service honours the page's block edges (see shared/pagedoc.js).
  const html = self.TadoruPageDoc.toHtml(text, breaks);
  const body = { html, lang: "auto", known, level: settings.level, first_only: settings.firstOnly };
  const t0 = performance.now();
  try {
    await requirePermission(serviceUrl);
    // Both at once (no extra round trip); when both fail, the health check's verdict (down,
    // too old, not Tadoru) says more than the annotate call's.
    const [healthy, annotated] = await Promise.allSettled([
      checkHealth(serviceUrl, { token }),
      annotateCall(serviceUrl, body, token),
    ]);
    if (healthy.status === "rejected") throw healthy.reason;
    if (annotated.status === "rejected") throw annotated.reason;
    const result = checkAnnotateAnswer(annotated.value);
    for (const card of Object.values(result.terms)) cacheCard(serviceUrl, card);
    if (!lastStatus || lastStatus.state !== "ok") await setStatus("ok", "", serviceUrl);
    result.timing = { fetchMs: performance.now() - t0, chars: text.length };
    return result;
  } catch (err) {
    return failed(err, serviceUrl);
  }
}

async function term({ id }) {
  const [settings] = await readerSettings();
  const serviceUrl = settings.serviceUrl;
  const key = serviceUrl + "\n" + id;
  if (cards.has(key)) return cards.get(key);
  try {
    await requirePermission(serviceUrl);
    const card = await callService(serviceUrl, `/api/v1/terms/${encodeURIComponent(id)}`, { token: settings.serviceToken });
    if (typeof card.id !== "string") throw new TadoruError("bad_response", `the card of '${id}' has no id`);
    cacheCard(serviceUrl, card);
    return card;
  } catch (err) {
    return failed(err, serviceUrl);
  }
}

async function status({ tabId }) {
  const [settings] = await readerSettings();
  const serviceUrl = settings.serviceUrl;
  const page = tabId !== undefined ? pageReports.get(tabId) || null : null;
  try {
    await requirePermission(serviceUrl);
    const data = await checkHealth(serviceUrl, { fresh: true, token: settings.serviceToken });
    await setStatus("ok", "", serviceUrl);
    const concepts = data.lexicon && typeof data.lexicon.concepts === "number" ? data.lexicon.concepts : null;
    return { state: "ok", message: "", serviceUrl, version: String(data.version || ""), concepts, page };
  } catch (err) {
    const e = TadoruError.from(err);
    await setStatus(stateOfError(e), e.message, serviceUrl);
    return { state: stateOfError(e), message: e.message, code: e.code, serviceUrl, page };
  }
}

let knownWrites = Promise.resolve(); // one read-modify-write of the list at a time

async function knownAdd({ id }) {
  const write = knownWrites.then(() => Settings.addKnown([id]));
  knownWrites = write.catch(() => {});
  return { known: await write };
}

let tooltipCssText = null;
async function tooltipCss() {
  if (tooltipCssText === null) {
    const response = await fetch(chrome.runtime.getURL("shared/tooltip.css"));
    tooltipCssText = response.ok ? await response.text() : "";
  }
  return { css: tooltipCssText };
}

function pageReport({ count, timings }, sender) {
  if (sender.tab && sender.tab.id !== undefined) {
    pageReports.set(sender.tab.id, { count, timings, url: sender.tab.url || "" });
  }
  return {};
}

self.TadoruMessages.listen({ annotate, term, status, knownAdd, tooltipCss, pageReport });

// A new service URL: forget cards and health of the old one.
chrome.storage.onChanged.addListener((changes, area) => {
  if (area === "local") stored = null;
  if (area === "local" && changes.settings) {
    const next = Settings.migrate(changes.settings.newValue);
    if (next.serviceUrl !== health.serviceUrl || next.serviceToken !== health.token) {
      health = { at: 0, serviceUrl: "", token: "", promise: null };
    }
  }
});

chrome.tabs.onRemoved.addListener((tabId) => pageReports.delete(tabId));

/** For benchmarks and tests driving the worker: what the worker measured and holds. */
self.tadoruDebug = {
  pageReports,
  cards,
  get lastStatus() {
    return lastStatus;
  },
  versionAtLeast,
};
