/*
 * Small helpers for the extension's own pages (popup, options): fill `data-i18n` elements
 * from _locales, and write a status line.  Text only, never HTML.
 *
 * Plain script: defines `globalThis.TadoruUI`.
 */
(function (root) {
  "use strict";

  /** The localised message `key` (with `$1`-style substitutions), or the key itself. */
  function t(key, substitutions) {
    return chrome.i18n.getMessage(key, substitutions) || key;
  }

  /**
   * `data-i18n="key"` sets textContent; `data-i18n-attr="attr:key;attr:key"` sets attributes.
   * The document's `lang` follows the browser's language.
   */
  /**
   * A message as the element's text, with `backticked` parts (command names, file names) shown
   * as <code>; built node by node with textContent, never parsed as markup.
   */
  function showMessage(el, message) {
    const parts = String(message).split("`");
    if (parts.length < 3 || parts.length % 2 === 0) {
      el.textContent = message;
      return;
    }
    el.replaceChildren(...parts.map((part, i) => {
      if (i % 2 === 0) return el.ownerDocument.createTextNode(part);
      const code = el.ownerDocument.createElement("code");
      code.textContent = part;
      return code;
    }));
  }

  function localize(doc) {
    doc.documentElement.lang = chrome.i18n.getUILanguage().toLowerCase().startsWith("ja") ? "ja" : "en";
    for (const el of doc.querySelectorAll("[data-i18n]")) showMessage(el, t(el.dataset.i18n));
    for (const el of doc.querySelectorAll("[data-i18n-attr]")) {
      for (const pair of el.dataset.i18nAttr.split(";")) {
        const [attr, key] = pair.split(":").map((x) => x.trim());
        if (attr && key) el.setAttribute(attr, t(key));
      }
    }
  }

  /** Show `message` in a status element; `kind` is "ok", "error" or "info". */
  function say(el, message, kind = "info") {
    el.textContent = message;
    el.dataset.kind = kind;
    el.hidden = !message;
  }

  const api = Object.freeze({ t, localize, say });
  root.TadoruUI = api;
})(typeof globalThis !== "undefined" ? globalThis : self);
