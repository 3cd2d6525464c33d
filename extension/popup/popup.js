/*
 * The toolbar popup: is the service running (and new enough), is Tadoru on for this site, and
 * a way to the options.  It asks the worker for the service's status and the tab's content
 * script for what it did; it changes only the site list in the settings.  On a PDF it offers
 * "Read with Tadoru": the worker fetches the PDF and opens it in the service's reader (the
 * browser's PDF viewer cannot be scripted, so it cannot show highlights).
 *
 * `popup.html?tab=ID` shows the popup for tab ID (the browser opens it without: the active tab).
 */
(function () {
  "use strict";

  const S = globalThis.TadoruSettings;
  const M = globalThis.TadoruMessages;
  const P = globalThis.TadoruPdf;
  const { t, localize, say } = globalThis.TadoruUI;
  const $ = (id) => document.getElementById(id);

  async function currentTabId() {
    const fromQuery = new URLSearchParams(location.search).get("tab");
    if (fromQuery !== null && /^\d+$/.test(fromQuery)) return Number(fromQuery);
    const [tab] = await chrome.tabs.query({ active: true, currentWindow: true });
    return tab ? tab.id : undefined;
  }

  async function showService(tabId) {
    const stateEl = $("service-state");
    const detail = $("service-detail");
    let status;
    try {
      status = await M.send("status", tabId === undefined ? {} : { tabId });
    } catch (err) {
      status = { state: "error", message: err.message, serviceUrl: "" };
    }
    stateEl.dataset.state = status.state;
    if (status.state === "ok") {
      $("service-text").textContent = t("popupServiceOk");
      const count = status.concepts ? t("popupServiceTerms", [String(status.concepts)]) : "";
      detail.textContent = [status.serviceUrl, status.version && `v${status.version}`, count].filter(Boolean).join(" · ");
    } else {
      const headline = { too_old: "popupServiceTooOld", unauthorized: "popupServiceToken", busy: "popupServiceBusy" };
      $("service-text").textContent = t(headline[status.state] || "popupServiceDown");
      detail.textContent = status.message;
    }
    detail.hidden = false;
    return status;
  }

  /** What the tab's content script reports, or null where none runs. */
  async function pageInfoOf(tabId) {
    if (tabId === undefined) return null;
    try {
      return await M.sendToTab(tabId, "pageInfo", {});
    } catch (_) {
      return null;
    }
  }

  function showSite(info) {
    const label = $("site-label");
    const toggle = $("site-toggle");
    const pageText = $("page-text");
    if (!info || !info.host) {
      pageText.textContent = t("popupCannotRun");
      pageText.hidden = false;
      label.hidden = true;
      return;
    }
    $("site-text").textContent = t("popupSiteToggle", [info.host]);
    toggle.checked = info.enabled;
    label.hidden = info.servicePage;
    if (info.servicePage) {
      pageText.textContent = t("popupServicePage");
    } else if (info.running) {
      pageText.textContent = info.lastError ? t("popupPageFailed") : t("popupPageCount", [String(info.count)]);
    } else {
      pageText.textContent = t("popupPageOff");
    }
    pageText.hidden = false;
    toggle.onchange = async () => {
      const settings = await S.load();
      await S.save(S.withSite(settings, info.host, toggle.checked));
      pageText.textContent = toggle.checked ? t("popupPageOnNow") : t("popupPageOff");
    };
  }

  // ------------------------------------------------------------------ the learning list

  function termItem(label, extra, className) {
    const li = document.createElement("li");
    if (className) li.className = className;
    const name = document.createElement("span");
    name.textContent = label;
    li.append(name);
    if (extra) {
      const small = document.createElement("span");
      small.className = "count";
      small.textContent = extra;
      li.append(small);
    }
    return li;
  }

  /** A term's label in the reader's language, from its card (the worker caches cards). */
  async function labelOf(id, lang) {
    const card = await M.send("term", { id }).catch(() => null);
    return (card && card.label && (card.label[lang] || card.label.en)) || id;
  }

  /** This page's terms: the highlighted (not known yet) first, then the known ones it holds. */
  async function showPageTerms(info) {
    if (!info || !Array.isArray(info.terms) || (!info.terms.length && !(info.knownHere || []).length)) return;
    const list = $("page-terms");
    for (const term of info.terms) list.append(termItem(term.label, term.count > 1 ? `×${term.count}` : "", ""));
    // The page has no cards of the terms it did not highlight: their labels come from the worker.
    const settings = await S.load();
    const lang = S.definitionLang(settings.definitionLang, chrome.i18n.getUILanguage());
    const knownHere = info.knownHere || [];
    const labels = await Promise.all(knownHere.map((term) => (term.label !== term.id ? term.label : labelOf(term.id, lang))));
    const known = $("known-here");
    labels.forEach((label) => known.append(termItem(label, t("popupKnownMark"), "")));
    known.hidden = !knownHere.length;
    $("learning").hidden = false;
  }

  /** The terms the reader looked up lately, newest first; known ones are greyed. */
  async function showHistory() {
    const [items, known, settings] = await Promise.all([S.loadHistory(), S.loadKnown(), S.load()]);
    if (!items.length) return;
    const lang = S.definitionLang(settings.definitionLang, chrome.i18n.getUILanguage());
    const knownSet = new Set(known);
    const list = $("history-terms");
    const shown = items.slice(0, 8);
    const labels = await Promise.all(shown.map((item) => labelOf(item.id, lang)));
    shown.forEach((item, i) => {
      const label = labels[i];
      const isKnown = knownSet.has(item.id);
      list.append(termItem(label, isKnown ? t("popupKnownMark") : "", isKnown ? "is-known" : ""));
    });
    $("history").hidden = false;
  }

  // ------------------------------------------------------------------ Read with Tadoru

  /** The tab's URL ("" when the browser does not let the extension see it). */
  async function tabUrl(tabId) {
    if (tabId === undefined) return "";
    try {
      const tab = await chrome.tabs.get(tabId);
      return tab.url || tab.pendingUrl || "";
    } catch (_) {
      return "";
    }
  }

  async function readPdf(url, tabId, asking) {
    const button = $("read-pdf");
    const out = $("pdf-status");
    button.disabled = true;
    try {
      if (!(await asking)) {
        say(out, t("errPdfAccess", [new URL(url).host]), "error");
        return;
      }
      say(out, t("popupPdfOpening"), "info");
      // The reader opens in a new tab, which usually closes this popup: the worker goes on alone.
      await M.send("openPdf", tabId === undefined ? { url } : { url, tabId });
      say(out, t("popupPdfOpened"), "ok");
    } catch (err) {
      say(out, err.message, "error");
    } finally {
      button.disabled = false;
    }
  }

  async function showPdf(tabId, info) {
    // Without access to the tab's site (file:// pages, a popup not opened from the toolbar), the
    // tab's URL is hidden from the extension; the content script, where it runs, says it.
    const url = (await tabUrl(tabId)) || (info && typeof info.url === "string" ? info.url : "");
    const kind = P.pdfKind(url, info && info.contentType);
    if (!kind) return;
    $("pdf").hidden = false;
    const button = $("read-pdf");
    if (kind === "file" && !(await P.fileAccessAllowed())) {
      button.disabled = true;
      say($("pdf-status"), t("popupPdfFileAccess"), "error");
      return;
    }
    // Fetching from another site needs access to it: asked for at the click, only when missing.
    const origins = kind === "web" ? [S.originPattern(url)] : [];
    let granted = !origins.length || (await chrome.permissions.contains({ origins }).catch(() => false));
    button.addEventListener("click", () => {
      // Asked in the click handler itself, before any await: the browser grants a permission
      // prompt only while the user's gesture lasts.
      const asking = granted ? Promise.resolve(true) : chrome.permissions.request({ origins }).catch(() => false);
      asking.then((ok) => {
        granted = granted || ok;
      });
      readPdf(url, tabId, asking);
    });
  }

  async function main() {
    localize(document);
    $("open-options").addEventListener("click", () => chrome.runtime.openOptionsPage());
    const tabId = await currentTabId();
    const info = await pageInfoOf(tabId);
    showSite(info);
    await Promise.all([showService(tabId), showPdf(tabId, info), showPageTerms(info).catch(() => {}),
      showHistory().catch(() => {})]);
    document.body.dataset.ready = "true";
  }

  main();
})();
