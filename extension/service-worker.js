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
 *     BUSY_RETRY_MAX_S) and tries once more before telling the reader to retry later;
 *   - "Read with Tadoru" (openPdf): fetches a PDF itself (the service never fetches URLs),
 *     opens the service's reader page <serviceUrl>/read and hands it the bytes; with the
 *     arxivReader option on, does the same by itself for https://arxiv.org/pdf/… tabs.
 *
 * Chromium runs this file as a classic service worker; Firefox (no MV3 service workers yet)
 * loads the same files through `background.scripts`.
 */
"use strict";

if (typeof importScripts === "function") {
  importScripts("shared/messages.js", "shared/settings.js", "shared/pagedoc.js", "shared/pdf.js");
}

const { TadoruError } = self.TadoruMessages;
const Settings = self.TadoruSettings;
const Pdf = self.TadoruPdf;

/** The oldest service this extension works with (API v1 first shipped in 0.1.0). */
const MIN_SERVICE_VERSION = "0.1.0";
const HEALTH_TTL_MS = 30000;
const TIMEOUT_MS = { health: 4000, term: 8000, annotate: 60000, pdf: 60000, reader: 30000 };
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
  const wasFailing = !!lastStatus && lastStatus.state !== "ok";
  lastStatus = { state, message, serviceUrl, at: Date.now(), ...extra };
  const failed = state !== "ok";
  if (failed && RECOVERABLE.includes(state)) watchForRecovery(serviceUrl);
  if (!failed) stopWatching();
  if (!failed && wasFailing) tellTabsTheServiceIsBack();
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

// ------------------------------------------------------------------ recovery (issue 15 #7)

/** States that end by themselves when the service comes back (or has room again). */
const RECOVERABLE = ["down", "busy"];
/** Seconds between health checks while the service is failing: quick at first, then calmer. */
const RECOVERY_DELAYS_S = [1, 2, 3, 5, 8, 13, 20, 30];
const RECOVERY_ALARM = "tadoru-recover";
let recovery = null; // {serviceUrl, attempt, timer}

/**
 * Check the service's health until it answers again, then clear the badge and tell every tab.
 * Timers do not outlive a sleeping service worker, so an alarm (every 30 s, Chrome's floor)
 * wakes it for the same check.
 */
function watchForRecovery(serviceUrl) {
  if (recovery && recovery.serviceUrl === serviceUrl) return;
  stopWatching();
  recovery = { serviceUrl, attempt: 0, timer: 0 };
  scheduleRecoveryCheck();
  try {
    chrome.alarms.create(RECOVERY_ALARM, { periodInMinutes: 0.5 });
  } catch (_) {
    /* no alarms API: the timers alone */
  }
}

function stopWatching() {
  if (recovery && recovery.timer) clearTimeout(recovery.timer);
  recovery = null;
  try {
    chrome.alarms.clear(RECOVERY_ALARM);
  } catch (_) {
    /* no alarms API */
  }
}

function scheduleRecoveryCheck() {
  if (!recovery) return;
  const delay = RECOVERY_DELAYS_S[Math.min(recovery.attempt, RECOVERY_DELAYS_S.length - 1)];
  recovery.attempt++;
  recovery.timer = setTimeout(checkRecovery, delay * 1000);
}

async function checkRecovery() {
  const [settings] = await readerSettings();
  const serviceUrl = settings.serviceUrl;
  try {
    await checkHealth(serviceUrl, { fresh: true, token: settings.serviceToken });
  } catch (_) {
    if (recovery) scheduleRecoveryCheck();
    return;
  }
  await setStatus("ok", "", serviceUrl);
}

async function tellTabsTheServiceIsBack() {
  let tabs = [];
  try {
    tabs = await chrome.tabs.query({});
  } catch (_) {
    return;
  }
  for (const tab of tabs) {
    if (typeof tab.id === "number") self.TadoruMessages.sendToTab(tab.id, "serviceBack", {}).catch(() => {});
  }
}

// The keyboard command (manifest "commands", Alt+Shift+H unless the reader chose another at
// chrome://extensions/shortcuts): highlights off, or on again, in the tab it was pressed in.
chrome.commands?.onCommand.addListener(async (command, tab) => {
  if (command !== "toggle-highlights") return;
  let tabId = tab && typeof tab.id === "number" ? tab.id : null;
  if (tabId === null) {
    const [active] = await chrome.tabs.query({ active: true, currentWindow: true });
    tabId = active ? active.id : null;
  }
  if (tabId !== null) self.TadoruMessages.sendToTab(tabId, "toggleHighlights", {}).catch(() => {});
});

chrome.alarms?.onAlarm.addListener((alarm) => {
  if (alarm.name !== RECOVERY_ALARM) return;
  if (lastStatus && lastStatus.state !== "ok") checkRecovery();
  else stopWatching();
});

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
  // Candidates (issue 16) are extra: a malformed one is left out, never a reason to drop the page.
  const candidates = (Array.isArray(data.candidates) ? data.candidates : []).filter((c) =>
    c && typeof c.surface === "string" && Number.isInteger(c.start) && Number.isInteger(c.end) &&
    CANDIDATE_KINDS.includes(c.kind) &&
    (c.long_form === undefined || typeof c.long_form === "string") && (c.head === undefined || typeof c.head === "string"));
  // The reader's known terms the text holds, counted (the popup lists them after the unknown ones).
  const knownFound = {};
  if (data.known_found && typeof data.known_found === "object" && !Array.isArray(data.known_found)) {
    for (const [id, n] of Object.entries(data.known_found)) if (Number.isInteger(n)) knownFound[id] = n;
  }
  return { lang: data.lang, annotations: data.annotations, terms, candidates, knownFound };
}

const CANDIDATE_KINDS = ["definition", "acronym", "compound"];

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

async function annotate({ text, breaks, roles }) {
  const [settings, known] = await readerSettings();
  const serviceUrl = settings.serviceUrl;
  const token = settings.serviceToken;
  if (!breaks.every((b) => Number.isInteger(b))) throw new TadoruError("bad_message", "annotate.payload.breaks must hold integers");
  const runs = Array.isArray(roles) ? roles : [];
  if (!runs.every((r) => Array.isArray(r) && r.length === 3 && r.every((x) => Number.isInteger(x)))) {
    throw new TadoruError("bad_message", "annotate.payload.roles must hold [start, end, role] integer triples");
  }
  // As `html`, so the service honours the page's block edges, headings and furniture (see shared/pagedoc.js).
  const html = self.TadoruPageDoc.toHtml(text, breaks, runs);
  const body = { html, lang: "auto", known, level: settings.level, density: settings.density,
    discover: Settings.discoverRequest(settings.discover) };
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

async function knownRemove({ id }) {
  const write = knownWrites.then(() => Settings.removeKnown(id));
  knownWrites = write.catch(() => {});
  return { known: await write };
}

async function knownReplace({ ids }) {
  const write = knownWrites.then(() => Settings.saveKnown(ids.filter((x) => typeof x === "string")));
  knownWrites = write.catch(() => {});
  return { known: await write };
}

let historyWrites = Promise.resolve(); // one read-modify-write of the history at a time

/** The reader opened a card: the term joins the looked-up history (the learning list's source). */
async function lookedUp({ id }) {
  const write = historyWrites.then(() => Settings.addHistory(id));
  historyWrites = write.catch(() => {});
  await write;
  return {};
}

// ------------------------------------------------------------------ the placement (issue 15 #2)

async function placement() {
  const [settings] = await readerSettings();
  const serviceUrl = settings.serviceUrl;
  try {
    await requirePermission(serviceUrl);
    const data = await callService(serviceUrl, "/api/v1/placement", { token: settings.serviceToken });
    if (!Array.isArray(data.terms)) throw new TadoruError("bad_response", "the placement answer has no terms");
    return { terms: data.terms.filter((c) => c && typeof c.id === "string") };
  } catch (err) {
    return failed(err, serviceUrl);
  }
}

async function placementDone({ canExplain, skipped }) {
  const [settings] = await readerSettings();
  if (skipped) {
    await Settings.save({ placed: "skipped" });
    return { level: settings.level, known: [] };
  }
  const serviceUrl = settings.serviceUrl;
  let data;
  try {
    await requirePermission(serviceUrl);
    data = await callService(serviceUrl, "/api/v1/placement", {
      method: "POST", body: { can_explain: canExplain.filter((x) => typeof x === "string") }, token: settings.serviceToken,
    });
  } catch (err) {
    return failed(err, serviceUrl);
  }
  if (![1, 2, 3].includes(data.level) || !Array.isArray(data.known)) {
    throw new TadoruError("bad_response", "the placement result lacks a level or a known list");
  }
  const known = data.known.filter((x) => typeof x === "string");
  const write = knownWrites.then(() => Settings.addKnown(known));
  knownWrites = write.catch(() => {});
  await write;
  await Settings.save({ level: data.level, placed: "done" });
  return { level: data.level, known };
}

/** A new install asks the placement once (a reader who skips it is not asked again). */
chrome.runtime.onInstalled.addListener(async ({ reason }) => {
  if (reason !== "install") return;
  const [settings] = await readerSettings();
  if (!settings.placed) await chrome.tabs.create({ url: chrome.runtime.getURL("placement/placement.html") });
});

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

// ------------------------------------------------------------------ Read with Tadoru (PDFs)

/** Download the PDF at `url` (at most Pdf.MAX_PDF_BYTES); resolves to its bytes. */
async function fetchPdf(url) {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), TIMEOUT_MS.pdf);
  const web = /^https?:/i.test(url);
  try {
    let response;
    try {
      // The reader's own cookies go along, so a PDF behind a login comes as the tab shows it.
      response = await fetch(url, { credentials: web ? "include" : "omit", signal: controller.signal });
    } catch (err) {
      if (controller.signal.aborted) {
        throw new TadoruError("pdf_fetch_failed", t("errPdfNetwork", [url, t("errPdfTimedOut")]));
      }
      if (web && !(await chrome.permissions.contains({ origins: [Settings.originPattern(url)] }).catch(() => true))) {
        throw new TadoruError("permission_denied", t("errPdfAccess", [new URL(url).host]));
      }
      throw new TadoruError("pdf_fetch_failed", t("errPdfNetwork", [url, String((err && err.message) || err)]));
    }
    if (web && !response.ok) {
      throw new TadoruError("pdf_fetch_failed", t("errPdfStatus", [url, String(response.status)]));
    }
    const declared = Number(response.headers.get("Content-Length"));
    if (response.headers.has("Content-Length") && !Pdf.sizeAllowed(declared)) {
      controller.abort();
      throw new TadoruError("too_large", t("errPdfTooLarge", [Pdf.mib(Pdf.MAX_PDF_BYTES)]));
    }
    // Read piece by piece, so a server that does not say its size cannot fill the memory either.
    const parts = [];
    let total = 0;
    const reader = response.body.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      total += value.length;
      if (!Pdf.sizeAllowed(total)) {
        controller.abort();
        throw new TadoruError("too_large", t("errPdfTooLarge", [Pdf.mib(Pdf.MAX_PDF_BYTES)]));
      }
      parts.push(value);
    }
    const bytes = new Uint8Array(total);
    let at = 0;
    for (const part of parts) {
      bytes.set(part, at);
      at += part.length;
    }
    if (!Pdf.looksLikePdf(bytes)) throw new TadoruError("not_pdf", t("errPdfNotPdf", [url]));
    return bytes;
  } catch (err) {
    if (err instanceof TadoruError) throw err;
    throw new TadoruError("pdf_fetch_failed", t("errPdfNetwork", [url, String((err && err.message) || err)]));
  } finally {
    clearTimeout(timer);
  }
}

/** Resolves when tab `tabId` has finished loading (or rejects after `ms`). */
function tabLoaded(tabId, ms) {
  return new Promise((resolve, reject) => {
    let timer = null;
    const done = (fn, value) => {
      clearTimeout(timer);
      chrome.tabs.onUpdated.removeListener(onUpdated);
      chrome.tabs.onRemoved.removeListener(onRemoved);
      fn(value);
    };
    const onUpdated = (id, change, tab) => {
      if (id === tabId && change.status === "complete") done(resolve, tab);
    };
    const onRemoved = (id) => {
      if (id === tabId) done(reject, new Error("the reader tab was closed"));
    };
    timer = setTimeout(() => done(reject, new Error("the reader page did not load")), ms);
    chrome.tabs.onUpdated.addListener(onUpdated);
    chrome.tabs.onRemoved.addListener(onRemoved);
    chrome.tabs.get(tabId).then((tab) => {
      if (tab.status === "complete") done(resolve, tab);
    }, () => {});
  });
}

// The three functions below run in the reader tab (the extension's isolated world, which keeps
// its globals from one executeScript call to the next); each must be self-contained.

function readerTakeStart(key, length) {
  globalThis.__tadoruPdf = { key, bytes: new Uint8Array(length), filled: 0 };
  return true;
}

function readerTakeChunk(key, offset, base64) {
  const box = globalThis.__tadoruPdf;
  if (!box || box.key !== key) return false;
  const binary = atob(base64);
  for (let i = 0; i < binary.length; i++) box.bytes[offset + i] = binary.charCodeAt(i);
  box.filled += binary.length;
  return true;
}

/** Wait until reader.js listens (#reader[data-state=idle]), then post it the PDF: see reader.js.
 *  Only to the service's own origin: had the tab gone elsewhere meanwhile, nothing is sent. */
async function readerHandOver(key, name, waitMs, origin) {
  const box = globalThis.__tadoruPdf;
  delete globalThis.__tadoruPdf;
  if (!box || box.key !== key || box.filled !== box.bytes.length) return "incomplete";
  if (location.origin !== origin) return "not_reader";
  const deadline = Date.now() + waitMs;
  for (;;) {
    const root = document.getElementById("reader");
    if (root && root.dataset.state === "idle") break;
    if (Date.now() > deadline) return root ? "not_ready" : "not_reader";
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const bytes = box.bytes.buffer;
  window.postMessage({ type: "tadoru-open-pdf", name, bytes }, origin, [bytes]);
  return "sent";
}

async function runInTab(tabId, func, args) {
  const [first] = await chrome.scripting.executeScript({ target: { tabId }, func, args });
  return first ? first.result : undefined;
}

/** Open the service's reader in a new tab next to `nextTo` (a tab, or null) and give it `bytes`;
 *  the reader annotates at the reader's level and shows new words as the Options say. */
async function openReader(settings, bytes, name, nextTo) {
  const serviceUrl = settings.serviceUrl;
  const where = { url: Pdf.readerUrl(serviceUrl, { level: settings.level, discover: settings.discover }), active: true };
  if (nextTo) {
    where.index = nextTo.index + 1;
    where.windowId = nextTo.windowId;
    where.openerTabId = nextTo.id;
  }
  const tab = await chrome.tabs.create(where);
  const fail = (why) => new TadoruError("reader_failed", t("errPdfReader", [Pdf.readerUrl(serviceUrl), why]));
  try {
    const loaded = await tabLoaded(tab.id, TIMEOUT_MS.reader);
    if (loaded.url && !Pdf.isReaderUrl(loaded.url, serviceUrl)) throw fail(loaded.url);
    const key = `${Date.now()}-${Math.random()}`;
    await runInTab(tab.id, readerTakeStart, [key, bytes.length]);
    for (const [start, end] of Pdf.chunks(bytes.length)) {
      if (!(await runInTab(tab.id, readerTakeChunk, [key, start, Pdf.toBase64(bytes.subarray(start, end))]))) {
        throw fail("lost");
      }
    }
    const outcome = await runInTab(tab.id, readerHandOver, [key, name, TIMEOUT_MS.reader,
                                                            new URL(Pdf.readerUrl(serviceUrl)).origin]);
    if (outcome !== "sent") throw fail(String(outcome));
  } catch (err) {
    if (err instanceof TadoruError) throw err;
    throw fail(String((err && err.message) || err));
  }
  return tab.id;
}

/** The tab a PDF came from, when there is one to open the reader next to. */
async function sourceTab(tabId) {
  if (tabId === undefined) return null;
  try {
    return await chrome.tabs.get(tabId);
  } catch (_) {
    return null;
  }
}

async function readPdf(url, tabId) {
  const kind = Pdf.pdfKind(url, "application/pdf"); // the popup decided it is a PDF; here: which scheme
  if (!kind) throw new TadoruError("not_pdf", t("errPdfNotPdf", [url]));
  if (kind === "file" && !(await Pdf.fileAccessAllowed())) {
    throw new TadoruError("permission_denied", t("popupPdfFileAccess"));
  }
  const [settings] = await readerSettings();
  const serviceUrl = settings.serviceUrl;
  try {
    await requirePermission(serviceUrl);
    // First the service (its reader does the work), then the download, then a new tab: every
    // error the popup can show comes before a tab opens and closes the popup.
    await checkHealth(serviceUrl, { fresh: true, token: settings.serviceToken });
  } catch (err) {
    return failed(err, serviceUrl);
  }
  const bytes = await fetchPdf(url);
  const readerTabId = await openReader(settings, bytes, Pdf.fileName(url), await sourceTab(tabId));
  return { readerTabId, bytes: bytes.length };
}

/** "Read with Tadoru": from the extension's own pages only (the popup), never a content script. */
function openPdf({ url, tabId }, sender) {
  const ownPage = sender && typeof sender.url === "string" && sender.url.startsWith(chrome.runtime.getURL(""));
  if (!ownPage) throw new TadoruError("bad_message", "openPdf is sent by the extension's popup only");
  return readPdf(url, tabId);
}

// The arxivReader option: an arXiv PDF opened in a tab goes to the reader by itself.  The tab's
// URL is visible here only for hosts the extension may access, so switching the option on asks
// for https://arxiv.org (see options.js); no "tabs" or "webNavigation" permission is needed.
const autoOpened = new Map(); // tabId → the arXiv URL already sent to the reader

async function autoOpenArxiv(tabId, url) {
  if (!Pdf.isArxivPdfUrl(url) || autoOpened.get(tabId) === url) return;
  const [settings] = await readerSettings();
  if (!settings.arxivReader) return;
  autoOpened.set(tabId, url);
  // A service that is down shows on the badge (readPdf reports it); any other failure leaves the
  // PDF in the browser's own viewer, where the reader is reading it anyway.
  await readPdf(url, tabId).catch(() => {});
}

chrome.tabs.onUpdated.addListener((tabId, change, tab) => {
  const url = change.url || (change.status === "loading" && tab && tab.url);
  if (url) autoOpenArxiv(tabId, url).catch(() => {});
});

self.TadoruMessages.listen({
  annotate, term, status, knownAdd, knownRemove, tooltipCss, pageReport, openPdf, placement, placementDone, lookedUp,
  knownReplace,
});

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

chrome.tabs.onRemoved.addListener((tabId) => {
  pageReports.delete(tabId);
  autoOpened.delete(tabId);
});

/** For benchmarks and tests driving the worker: what the worker measured and holds. */
self.tadoruDebug = {
  pageReports,
  cards,
  get lastStatus() {
    return lastStatus;
  },
  versionAtLeast,
  autoOpened,
};
