/*
 * The placement (issue 15 #2): on install, and from Options at any time, about twenty terms from
 * the service (GET /api/v1/placement) ask "which of these could you explain?".  The answer goes
 * to the worker (`placementDone`), which asks the service for the level and the terms to count as
 * known, saves both, and open tabs follow.  Labels are set with textContent only.
 */
(function () {
  "use strict";

  const S = globalThis.TadoruSettings;
  const M = globalThis.TadoruMessages;
  const { t, localize, say } = globalThis.TadoruUI;
  const $ = (id) => document.getElementById(id);

  function showError(err) {
    say($("placement-status"), (err && err.message) || String(err), "error");
    $("placement-retry").hidden = false;
  }

  async function start() {
    $("placement-retry").hidden = true;
    $("placement-status").hidden = true;
    const settings = await S.load();
    const lang = S.definitionLang(settings.definitionLang, chrome.i18n.getUILanguage());
    const other = lang === "ja" ? "en" : "ja";
    let answer;
    try {
      answer = await M.send("placement", {});
    } catch (err) {
      showError(err);
      return;
    }
    const list = $("placement-terms");
    list.textContent = "";
    for (const card of answer.terms) {
      const label = (card.label && card.label[lang]) || card.id;
      const second = card.label && card.label[other];
      const li = document.createElement("li");
      const box = document.createElement("label");
      box.className = "check";
      const input = document.createElement("input");
      input.type = "checkbox";
      input.name = "can_explain";
      input.value = card.id;
      const name = document.createElement("span");
      name.className = "label";
      name.textContent = label;
      box.append(input, " ", name);
      if (second && second !== label) {
        const small = document.createElement("span");
        small.className = "other";
        small.textContent = " " + second;
        box.append(small);
      }
      li.append(box);
      list.append(li);
    }
    $("placement-form").hidden = false;
  }

  async function finish(payload) {
    $("placement-done").disabled = $("placement-skip").disabled = true;
    try {
      const result = await M.send("placementDone", payload);
      $("placement-form").hidden = true;
      $("placement-summary").textContent = payload.skipped
        ? t("placementSkipped")
        : t("placementResult", [String(result.level), String(result.known.length)]);
      $("placement-result").hidden = false;
    } catch (err) {
      showError(err);
    } finally {
      $("placement-done").disabled = $("placement-skip").disabled = false;
    }
  }

  localize(document);
  $("placement-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const ticked = Array.from(document.querySelectorAll("input[name=can_explain]:checked"), (x) => x.value);
    finish({ canExplain: ticked, skipped: false });
  });
  $("placement-skip").addEventListener("click", () => finish({ canExplain: [], skipped: true }));
  $("placement-retry").addEventListener("click", start);
  start();
})();
