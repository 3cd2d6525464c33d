/*
 * The options page.  Every control with a `data-setting` attribute is bound to the setting of
 * that name (`data-type` says how to read it: number, boolean, lines); a change is validated
 * and saved at once through TadoruSettings, which stores it with its version.  The known-terms
 * list is viewed, pruned, exported and imported here, in the file format of known.py.  The
 * service token is a password field like any other setting; the export holds known terms only.
 */
(function () {
  "use strict";

  const S = globalThis.TadoruSettings;
  const K = globalThis.TadoruKnown;
  const M = globalThis.TadoruMessages;
  const P = globalThis.TadoruPdf;
  const { t, localize, say } = globalThis.TadoruUI;
  const $ = (id) => document.getElementById(id);

  // ------------------------------------------------------------------ settings binding

  function readControl(el) {
    switch (el.dataset.type) {
      case "boolean":
        return el.checked;
      case "number":
        return Number(el.value);
      case "lines":
        return el.value.split(/[\n,]+/).map((x) => x.trim()).filter(Boolean);
      default:
        return el.value.trim();
    }
  }

  function writeControl(el, value) {
    if (el === document.activeElement && el.dataset.type === "lines") return; // do not fight typing
    if (el.dataset.type === "boolean") el.checked = Boolean(value);
    else if (el.dataset.type === "lines") el.value = (value || []).join("\n");
    else el.value = String(value);
  }

  function showSettings(settings) {
    for (const el of document.querySelectorAll("[data-setting]")) writeControl(el, settings[el.dataset.setting]);
  }

  /**
   * Ask for access to the service's host unless the extension has it (Chromium grants the
   * loopback hosts of the manifest at install; Firefox may not).  Needs the user's gesture.
   */
  async function ensureAccess(serviceUrl) {
    const origins = [S.originPattern(serviceUrl)];
    if (await chrome.permissions.contains({ origins })) return true;
    try {
      return await chrome.permissions.request({ origins });
    } catch (_) {
      return false; // no user gesture: the "Allow access" button asks again
    }
  }

  /** After saving a service URL: ask for access when needed, without holding up the save. */
  async function checkAccess(serviceUrl) {
    const origins = [S.originPattern(serviceUrl)];
    if (await chrome.permissions.contains({ origins })) {
      $("grant-access").hidden = true;
      checkService();
      return;
    }
    $("grant-access").hidden = false;
    say($("service-status"), t("optionsNeedAccess", [serviceUrl]), "error");
    if (await ensureAccess(serviceUrl)) {
      $("grant-access").hidden = true;
      checkService();
    }
  }

  /**
   * The arXiv option needs access to arXiv: to see that a tab shows an arXiv PDF and to download
   * it.  Asked when the reader switches it on (still inside the click: a prompt needs the gesture);
   * refused, the option stays off.
   */
  async function arxivAccess(asking) {
    let ok = false;
    try {
      ok = await asking;
    } catch (_) {
      ok = false;
    }
    if (!ok) {
      $("arxiv-reader").checked = false;
      say($("pdf-status"), t("optionsArxivNoAccess"), "error");
      return false;
    }
    say($("pdf-status"), "", "info");
    return true;
  }

  async function onSettingChanged(event) {
    const el = event.target;
    const name = el.dataset.setting;
    const value = readControl(el);
    if (name === "arxivReader" && value) {
      const asking = chrome.permissions.request({ origins: [...P.ARXIV_ORIGINS] });
      if (!(await arxivAccess(asking))) return;
    }
    if (name === "serviceUrl") {
      const url = S.normalizeServiceUrl(value);
      if (!url) {
        say($("service-status"), t("optionsBadUrl", [value]), "error");
        el.setAttribute("aria-invalid", "true");
        return;
      }
      el.removeAttribute("aria-invalid");
    }
    try {
      const saved = await S.save({ [name]: value });
      showSettings(saved);
      say($("saved"), t("optionsSaved"), "ok");
      if (name === "serviceUrl") checkAccess(saved.serviceUrl);
      if (name === "serviceToken") checkService(); // says at once whether the service takes it
    } catch (err) {
      say($("saved"), err.message, "error");
    }
  }

  async function checkService() {
    const out = $("service-status");
    say(out, t("popupChecking"), "info");
    try {
      const status = await M.send("status", {});
      if (status.state === "ok") {
        const count = status.concepts ? t("popupServiceTerms", [String(status.concepts)]) : "";
        say(out, [t("popupServiceOk"), status.version && `v${status.version}`, count].filter(Boolean).join(" · "), "ok");
      } else {
        say(out, status.message, "error");
      }
    } catch (err) {
      say(out, err.message, "error");
    }
  }

  // ------------------------------------------------------------------ known terms

  const labels = new Map(); // id → label shown next to it (filled from term cards)

  function labelOf(card) {
    const lang = S.definitionLang("auto", chrome.i18n.getUILanguage());
    const label = card && card.label;
    return label ? label[lang] || label.en || label.ja || "" : "";
  }

  async function fetchLabels(ids) {
    for (const id of ids) {
      if (labels.has(id)) continue;
      labels.set(id, "");
      try {
        labels.set(id, labelOf(await M.send("term", { id })));
      } catch (_) {
        /* the service may be down, or the id unknown to it: the id alone is shown */
      }
    }
  }

  async function showKnown() {
    const ids = await S.loadKnown();
    const list = $("known-list");
    list.replaceChildren();
    $("known-count").textContent = t("optionsKnownCount", [String(ids.length)]);
    for (const id of ids) {
      const li = document.createElement("li");
      li.dataset.term = id;
      const name = document.createElement("span");
      const label = document.createElement("span");
      label.className = "term-label";
      label.textContent = labels.get(id) || "";
      const idEl = document.createElement("span");
      idEl.className = "term-id";
      idEl.textContent = id;
      name.append(label, " ", idEl);
      const remove = document.createElement("button");
      remove.type = "button";
      remove.className = "remove";
      remove.textContent = t("optionsRemove");
      remove.setAttribute("aria-label", t("optionsRemoveTerm", [labels.get(id) || id]));
      remove.addEventListener("click", async () => {
        await S.removeKnown(id);
        say($("known-status"), t("optionsRemoved", [labels.get(id) || id]), "ok");
      });
      li.append(name, remove);
      list.append(li);
    }
    const missing = ids.filter((id) => !labels.has(id));
    if (missing.length) {
      await fetchLabels(missing);
      for (const li of list.children) {
        const text = labels.get(li.dataset.term);
        if (text) li.querySelector(".term-label").textContent = text;
      }
    }
  }

  function download(text, name, type) {
    const url = URL.createObjectURL(new Blob([text], { type }));
    const a = document.createElement("a");
    a.href = url;
    a.download = name;
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10000);
  }

  async function exportKnown() {
    const ids = await S.loadKnown();
    const doc = K.knownDocument(ids);
    download(JSON.stringify(doc, null, 2) + "\n", "tadoru-known.json", "application/json");
    say($("known-status"), t("optionsExported", [String(doc.known.length)]), "ok");
  }

  // ------------------------------------------------------------------ the learning list

  /** Looked-up terms not known yet, newest first, with their cards (from the worker's cache). */
  async function learningCards() {
    const [items, known] = await Promise.all([S.loadHistory(), S.loadKnown()]);
    const knownSet = new Set(known);
    const ids = items.map((item) => item.id).filter((id) => !knownSet.has(id));
    const cards = await Promise.all(ids.map((id) => M.send("term", { id }).catch(() => ({ id }))));
    return cards;
  }

  async function showLearning() {
    const settings = await S.load();
    const lang = S.definitionLang(settings.definitionLang, chrome.i18n.getUILanguage());
    const cards = await learningCards();
    const list = $("learning-list");
    list.textContent = "";
    for (const card of cards) {
      const li = document.createElement("li");
      li.dataset.term = card.id;
      li.textContent = (card.label && (card.label[lang] || card.label.en)) || card.id;
      list.append(li);
    }
    $("learning-empty").hidden = cards.length > 0;
    $("export-anki").disabled = cards.length === 0;
  }

  async function exportAnki() {
    const settings = await S.load();
    const lang = S.definitionLang(settings.definitionLang, chrome.i18n.getUILanguage());
    const cards = (await learningCards()).filter((c) => c.definition);
    download(S.ankiDeck(cards, lang), "tadoru-learning.txt", "text/plain");
    say($("learning-status"), t("optionsExported", [String(cards.length)]), "ok");
  }

  async function importKnown(event) {
    const input = event.target;
    const file = input.files && input.files[0];
    input.value = "";
    if (!file) return;
    const out = $("known-status");
    let ids;
    try {
      if (file.size > K.MAX_BYTES) throw new Error(t("optionsTooLarge", [String(K.MAX_BYTES)]));
      ids = K.parseKnownText(await file.text());
    } catch (err) {
      say(out, t("optionsImportRefused", [file.name, err.message]), "error");
      return; // the stored list is untouched
    }
    const before = await S.loadKnown();
    const after = await S.saveKnown(before.concat(ids));
    say(out, t("optionsImported", [String(ids.length), String(after.length - before.length)]), "ok");
  }

  // ------------------------------------------------------------------ start

  async function main() {
    localize(document);
    showSettings(await S.load());
    for (const el of document.querySelectorAll("[data-setting]")) el.addEventListener("change", onSettingChanged);
    $("redo-placement").addEventListener("click", () => chrome.tabs.create({ url: chrome.runtime.getURL("placement/placement.html") }));
    $("check-service").addEventListener("click", checkService);
    $("grant-access").addEventListener("click", async () => {
      const url = S.normalizeServiceUrl($("service-url").value);
      if (url && (await ensureAccess(url))) {
        $("grant-access").hidden = true;
        checkService();
      }
    });
    $("export-known").addEventListener("click", exportKnown);
    $("export-anki").addEventListener("click", exportAnki);
    $("clear-history").addEventListener("click", () => S.clearHistory());
    $("import-known").addEventListener("change", importKnown);
    chrome.storage.onChanged.addListener((changes, area) => {
      if (area !== "local") return;
      if (changes.settings) showSettings(S.migrate(changes.settings.newValue));
      if (changes.known) showKnown();
      if (changes.known || changes.history) showLearning().catch(() => {});
    });
    await showKnown();
    await showLearning().catch(() => {});
    document.body.dataset.ready = "true";
  }

  main();
})();
