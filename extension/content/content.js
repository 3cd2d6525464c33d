/*
 * The content script's orchestration: settings → walk → service worker → anchor → mark,
 * then the tooltip, the observer for content added later, and reactions to the reader's
 * changes (a term marked known, the site switched off, a new level).
 *
 * Every step that touches the page lives in its own file (walk.js, anchor.js, mark.js,
 * observe.js); this file only decides when they run.  When anything goes wrong with the
 * service the page is left exactly as it was: nothing is marked until the answer is in hand.
 */
(function () {
  "use strict";

  if (globalThis.__tadoruContentLoaded) return; // injected twice (e.g. reloaded extension)
  globalThis.__tadoruContentLoaded = true;

  const S = globalThis.TadoruSettings;
  const M = globalThis.TadoruMessages;
  const { walkText, pageRoot, insideSkipped, roleRuns } = globalThis.TadoruWalk;
  const { anchorAll } = globalThis.TadoruAnchor;
  const { markPlaced, unmark, countMarks, countCandidates } = globalThis.TadoruMark;

  /** Text sent in one request, in UTF-16 units: well under the service's 5 MiB body cap. */
  const MAX_REQUEST_CHARS = 400000;

  const state = {
    settings: null,
    known: new Set(),
    running: false,
    generation: 0, // bumped on every restart: answers for an older generation are dropped
    done: new WeakSet(), // text nodes already sent to the service
    markedTerms: new Set(), // for "first occurrence only" across batches
    knownFound: new Map(), // known terms the page holds (the service counts them): the popup's list
    seenTerms: new Set(), // every term the service found on this page, known later or not
    cards: new Map(),
    observer: null,
    tooltip: null,
    tooltipCss: null,
    tooltipPending: false,
    queue: Promise.resolve(),
    busy: 0, // batches queued or waiting for the service
    timings: { startMs: performance.now(), walkMs: 0, requestMs: 0, serviceMs: 0, anchorMs: 0, markMs: 0, batches: 0, sentChars: 0, anchoredByQuote: 0, dropped: 0 },
    lastError: null,
    paused: false, // switched off for this tab by the keyboard command (until toggled or reloaded)
  };

  function now() {
    return performance.now();
  }

  function isServicePage(settings) {
    try {
      return new URL(settings.serviceUrl).origin === location.origin;
    } catch (_) {
      return false;
    }
  }

  function shouldRun(settings) {
    return /^https?:$/.test(location.protocol) && !isServicePage(settings) && S.siteEnabled(settings, location.hostname);
  }

  // ------------------------------------------------------------------ annotate

  /** Split a walk into walks of at most MAX_REQUEST_CHARS (at text-node boundaries). */
  function chunks(walk) {
    if (walk.text.length <= MAX_REQUEST_CHARS) return [walk];
    const out = [];
    let nodes = [];
    let size = 0;
    const flush = () => {
      if (!nodes.length) return;
      const base = nodes[0].start;
      const limit = nodes[nodes.length - 1].end;
      const rebased = nodes.map((n) => ({ ...n, start: n.start - base, end: n.end - base }));
      const breaks = walk.breaks.filter((b) => b >= base && b < limit).map((b) => b - base);
      out.push({ text: rebased.map((n) => n.data).join(""), nodes: rebased, breaks });
      nodes = [];
      size = 0;
    };
    for (const n of walk.nodes) {
      if (size && size + n.data.length > MAX_REQUEST_CHARS) flush();
      nodes.push(n);
      size += n.data.length;
    }
    flush();
    return out;
  }

  /** Annotate the not-yet-done text under `roots`; batches run one after another. */
  function annotateRoots(roots) {
    const generation = state.generation;
    state.busy++;
    state.queue = state.queue
      .then(() => (generation === state.generation ? annotateNow(roots, generation) : null))
      .catch((err) => reportError(err))
      .finally(() => state.busy--);
    return state.queue;
  }

  async function annotateNow(roots, generation) {
    const t0 = now();
    const walk = walkText(roots, (n) => state.done.has(n));
    state.timings.walkMs += now() - t0;
    if (!walk.text.trim()) return;
    for (const n of walk.nodes) state.done.add(n.node);
    for (const part of chunks(walk)) {
      state.timings.sentChars += part.text.length;
      const t1 = now();
      const roles = roleRuns(part.nodes); // headings and furniture: the service's density needs them
      const result = await M.send("annotate", { text: part.text, breaks: part.breaks, roles, url: location.href });
      state.timings.requestMs += now() - t1;
      if (result.timing && typeof result.timing.fetchMs === "number") state.timings.serviceMs += result.timing.fetchMs;
      if (generation !== state.generation) return; // settings changed meanwhile: a newer run is on
      state.lastError = null;
      for (const [id, card] of Object.entries(result.terms)) state.cards.set(id, card);
      for (const [id, n] of Object.entries(result.knownFound || {})) state.knownFound.set(id, (state.knownFound.get(id) || 0) + n);
      for (const a of result.annotations) state.seenTerms.add(a.term);
      applyAnnotations(part, result.annotations, roots, asMarks(result.candidates, result.lang));
    }
    report();
  }

  /** Candidates (issue 16) in the shape the anchoring takes: `exact` to find, the rest to mark. */
  function asMarks(candidates, lang) {
    if (state.settings.discover === "off" || !Array.isArray(candidates)) return [];
    return candidates.map((c) => ({
      term: "", start: c.start, end: c.end, exact: c.surface, prefix: c.prefix, suffix: c.suffix,
      candidate: { kind: c.kind, surface: c.surface, long_form: c.long_form, head: c.head, lang },
    }));
  }

  function applyAnnotations(walk, annotations, roots, candidates) {
    const t0 = now();
    let wanted = annotations.filter((a) => !state.known.has(a.term));
    if (state.settings.density === "first") { // once per page, across the page's requests
      wanted = wanted.filter((a) => {
        if (state.markedTerms.has(a.term)) return false;
        state.markedTerms.add(a.term);
        return true;
      });
    }
    const sent = new Set(walk.nodes.map((n) => n.node));
    const rewalk = () => {
      const fresh = walkText(roots, (n) => state.done.has(n) && !sent.has(n));
      for (const n of fresh.nodes) state.done.add(n.node);
      return fresh;
    };
    const anchored = anchorAll(walk, candidates && candidates.length ? wanted.concat(candidates) : wanted, rewalk);
    state.timings.anchorMs += now() - t0;
    state.timings.anchoredByQuote += anchored.byQuote;
    state.timings.dropped += anchored.dropped;
    const t1 = now();
    quietly(() => markPlaced(anchored.snapshot, anchored.placed, state.done));
    if (anchored.placed.length) retint();
    state.timings.markMs += now() - t1;
    state.timings.batches++;
    // The tooltip's host element joins the page only once there is something to explain.
    if (anchored.placed.length && !state.tooltip && !state.tooltipPending) attachTooltip();
  }

  /** Tint the highlights by their level, or take the tint off (Options: "Colour the highlights by level"). */
  function retint() {
    const Tooltip = globalThis.TadoruTooltip;
    if (!Tooltip || typeof Tooltip.tint !== "function") return;
    const on = state.settings.tint;
    quietly(() => Tooltip.tint(document, (id) => (on && state.cards.has(id) ? state.cards.get(id).level : null)));
  }

  function quietly(fn) {
    return state.observer ? state.observer.quietly(fn) : fn();
  }

  function reportError(err) {
    const e = M.TadoruError.from(err);
    state.lastError = e.toPlain();
    // The worker has already set the badge; the page stays as it was.
    console.info(`Tadoru: ${e.message} (${e.code})`);
  }

  function report() {
    const count = countMarks(document);
    const timings = { ...state.timings };
    M.send("pageReport", { count, timings }).catch(() => {});
  }

  // ------------------------------------------------------------------ tooltip

  async function attachTooltip() {
    detachTooltip();
    state.tooltipPending = true;
    try {
      await attachTooltipNow();
    } finally {
      state.tooltipPending = false;
    }
  }

  async function attachTooltipNow() {
    const Tooltip = globalThis.TadoruTooltip;
    if (!Tooltip || typeof Tooltip.attach !== "function") {
      console.warn("Tadoru: the tooltip script is missing; highlights work without tooltips");
      return;
    }
    if (state.tooltipCss === null) {
      try {
        state.tooltipCss = (await M.send("tooltipCss", {})).css;
      } catch (_) {
        state.tooltipCss = "";
      }
    }
    if (!state.running) return;
    const serviceUrl = state.settings.serviceUrl;
    state.tooltip = Tooltip.attach({
      root: document,
      lang: S.definitionLang(state.settings.definitionLang, chrome.i18n.getUILanguage()),
      getCard: getCard,
      termPageUrl: (id) => `${serviceUrl}/terms/${encodeURIComponent(id)}`,
      searchUrl: (word, lang) => S.searchLink(state.settings.searchUrl, word, lang),
      onKnown: markKnown,
      onOpen: (id) => M.send("lookedUp", { id }).catch(() => {}), // the popup's "looked up" history
      cssText: state.tooltipCss,
      hoverDelay: state.settings.hoverDelay,
    });
  }

  function detachTooltip() {
    if (state.tooltip) {
      try {
        state.tooltip.destroy();
      } catch (_) {
        /* already gone with the page */
      }
    }
    state.tooltip = null;
  }

  async function getCard(id) {
    if (state.cards.has(id)) return state.cards.get(id);
    const card = await M.send("term", { id });
    state.cards.set(id, card);
    return card;
  }

  async function markKnown(id) {
    const card = state.cards.get(id);
    forget([id]); // at once on this page; other tabs follow through storage.onChanged
    state.known.add(id);
    await M.send("knownAdd", { id });
    const lang = S.definitionLang(state.settings.definitionLang, chrome.i18n.getUILanguage());
    const label = (card && card.label && (card.label[lang] || card.label.en)) || id;
    globalThis.TadoruUndo.offer(document, label, lang, () => {
      M.send("knownRemove", { id }).catch(reportError); // every tab marks it again (onStorageChanged)
    });
  }

  function forget(ids) {
    if (state.tooltip) state.tooltip.close();
    quietly(() => unmark(document, ids));
    report();
  }

  // ------------------------------------------------------------------ one known list with the web pages

  /** Where the service's web pages keep the reader's list (server/tadoru/service/static/web.js). */
  const WEB_KNOWN_KEY = "tadoru.known";
  /** Set once the page's own list has joined the extension's: from then on the extension's is the list. */
  const WEB_JOINED_KEY = "tadoru.known.joined";

  function webKnown() {
    try {
      const list = JSON.parse(localStorage.getItem(WEB_KNOWN_KEY) || "[]");
      return Array.isArray(list) ? S.cleanIds(list) : [];
    } catch (_) {
      return [];
    }
  }

  /** The extension's list into the page's storage, and a word to web.js that it changed. */
  function showKnownToPage(ids) {
    try {
      localStorage.setItem(WEB_KNOWN_KEY, JSON.stringify(ids));
    } catch (_) {
      return; // storage refused (private mode): the page keeps its own list
    }
    document.dispatchEvent(new CustomEvent("tadoru:known-synced"));
  }

  /**
   * On the service's own pages (issue 15 #4): one known list for the extension and the web pages.
   * The content script shares the page's storage, so it writes the extension's list there (the
   * paste form sends it with every text), takes the page's list once, the first time they meet,
   * so nothing the reader said there is lost, and after that takes every change the page makes
   * ("I know this", "Forget", a placement), which web.js announces with a `tadoru:known` event.
   */
  async function bridgeKnown() {
    let ids = Array.from(state.known);
    if (localStorage.getItem(WEB_JOINED_KEY) !== "1") {
      const merged = S.cleanIds(ids.concat(webKnown()));
      if (merged.length !== ids.length) ids = (await M.send("knownReplace", { ids: merged })).known;
      localStorage.setItem(WEB_JOINED_KEY, "1");
    }
    showKnownToPage(ids);
    document.addEventListener("tadoru:known", () => {
      M.send("knownReplace", { ids: webKnown() }).catch(reportError);
    });
  }

  // ------------------------------------------------------------------ lifecycle

  function start() {
    state.running = true;
    state.generation++;
    state.done = new WeakSet();
    state.markedTerms = new Set();
    state.knownFound = new Map();
    state.seenTerms = new Set();
    const body = pageRoot(document);
    state.observer = globalThis.TadoruObserve.create(body, onAdded);
    state.observer.start();
    annotateRoots([body]);
  }

  function stop() {
    state.running = false;
    state.generation++;
    if (state.observer) state.observer.stop();
    state.observer = null;
    detachTooltip();
    unmark(document, null);
  }

  function onAdded(nodes) {
    if (!state.running) return;
    const fresh = nodes.filter((n) => !(n.nodeType === 3 && state.done.has(n)) && !insideSkipped(n.nodeType === 3 ? n.parentNode : n));
    if (fresh.length) annotateRoots(fresh);
  }

  function onStorageChanged(changes, area) {
    if (area !== "local") return;
    if (changes.known) {
      const next = new Set(S.knownFromChange(changes.known));
      const added = Array.from(next).filter((id) => !state.known.has(id));
      const removed = Array.from(state.known).filter((id) => !next.has(id));
      state.known = next;
      if (isServicePage(state.settings) && (added.length || removed.length)) showKnownToPage(Array.from(next));
      if (removed.length && state.running) {
        // A term the reader no longer knows (Options, or Undo) is highlighted again: annotate
        // the page anew, since its places were never marked.
        stop();
        start();
      } else if (added.length && state.running) {
        forget(added);
      }
    }
    if (changes.settings) {
      const old = state.settings;
      const next = S.migrate(changes.settings.newValue);
      state.settings = next;
      const wasOn = state.running;
      const isOn = shouldRun(next) && !state.paused;
      const redo = ["serviceUrl", "serviceToken", "level", "density", "discover"].some((k) => old[k] !== next[k]);
      const retip = ["definitionLang", "hoverDelay", "searchUrl"].some((k) => old[k] !== next[k]);
      if (wasOn && (!isOn || redo)) stop();
      if (isOn && (!wasOn || redo)) start();
      else if (isOn && retip && state.tooltip) attachTooltip();
      if (isOn && !redo && old.tint !== next.tint) retint();
    }
  }

  function pageInfo() {
    const settings = state.settings || S.validate({});
    return {
      host: location.hostname,
      enabled: S.siteEnabled(settings, location.hostname),
      running: state.running,
      busy: state.busy,
      count: countMarks(document),
      candidates: countCandidates(document),
      servicePage: isServicePage(settings),
      lastError: state.lastError,
      timings: { ...state.timings },
      contentType: document.contentType || "",
      url: location.href,
      ...pageTerms(),
    };
  }

  /**
   * This page's terms for the popup's learning list: the highlighted ones in page order with how
   * often each is marked and its label, then the known ones the page holds (known before or since).
   */
  function pageTerms() {
    const lang = S.definitionLang((state.settings || S.validate({})).definitionLang, chrome.i18n.getUILanguage());
    const counts = new Map();
    let previous = null;
    for (const el of document.querySelectorAll("tadoru-term[data-term]")) {
      const id = el.getAttribute("data-term");
      const piece = el.getAttribute("tabindex") === "-1" && !el.hasAttribute("data-tadoru-stop") && previous === id;
      previous = id;
      if (!piece) counts.set(id, (counts.get(id) || 0) + 1); // a later piece of a split term is not another
    }
    const labelOf = (id) => {
      const card = state.cards.get(id);
      return (card && card.label && (card.label[lang] || card.label.en)) || id;
    };
    const terms = Array.from(counts, ([id, count]) => ({ id, count, label: labelOf(id) }));
    const knownHere = Array.from(new Set([...state.knownFound.keys(), ...state.seenTerms]))
      .filter((id) => state.known.has(id) && !counts.has(id))
      .map((id) => ({ id, label: labelOf(id) }));
    return { terms, knownHere };
  }

  /** The keyboard command or the popup: highlights off for this tab, or on again (not stored). */
  function toggleHighlights() {
    state.paused = !state.paused;
    if (state.paused && state.running) stop();
    else if (!state.paused && !state.running && shouldRun(state.settings)) start();
    return { running: state.running };
  }

  /** The service answers again (the worker says so): a page its failure left unmarked annotates now. */
  function serviceBack() {
    if (state.running && state.lastError) {
      stop();
      start();
    }
    return {};
  }

  async function main() {
    M.listen({ pageInfo, serviceBack, toggleHighlights });
    const [settings, known] = await Promise.all([S.load(), S.loadKnown()]);
    state.settings = settings;
    state.known = new Set(known);
    chrome.storage.onChanged.addListener(onStorageChanged);
    if (shouldRun(settings)) start();
    else if (isServicePage(settings)) bridgeKnown().catch(reportError);
  }

  main().catch(reportError);
})();
