/*
 * The toolbar popup: is the service running (and new enough), is Tadoru on for this site, and
 * a way to the options.  It asks the worker for the service's status and the tab's content
 * script for what it did; it changes only the site list in the settings.
 *
 * `popup.html?tab=ID` shows the popup for tab ID (the browser opens it without: the active tab).
 */
(function () {
  "use strict";

  const S = globalThis.TadoruSettings;
  const M = globalThis.TadoruMessages;
  const { t, localize } = globalThis.TadoruUI;
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

  async function showSite(tabId) {
    const label = $("site-label");
    const toggle = $("site-toggle");
    const pageText = $("page-text");
    let info = null;
    if (tabId !== undefined) {
      try {
        info = await M.sendToTab(tabId, "pageInfo", {});
      } catch (_) {
        info = null;
      }
    }
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

  async function main() {
    localize(document);
    $("open-options").addEventListener("click", () => chrome.runtime.openOptionsPage());
    const tabId = await currentTabId();
    await Promise.all([showService(tabId), showSite(tabId)]);
    document.body.dataset.ready = "true";
  }

  main();
})();
