/*
 * The undo bar: after "I know this", a short notice at the bottom of the page says which term
 * stopped being highlighted and offers Undo (issue 15 #4).  Its own element with a closed-off
 * shadow root, text set with textContent only, gone after a few seconds or on Undo.
 *
 * Plain script: defines `globalThis.TadoruUndo`.
 */
(function (root) {
  "use strict";

  const HOST = "tadoru-undo";
  const SHOW_MS = 8000;
  const CSS = `
    .bar { position: fixed; left: 50%; bottom: 16px; transform: translateX(-50%); z-index: 2147483647;
           display: flex; gap: 12px; align-items: center; padding: 8px 12px; border-radius: 8px;
           font: 14px/1.4 system-ui, "Hiragino Sans", "Noto Sans CJK JP", sans-serif;
           background: #1f2328; color: #f0f3f6; box-shadow: 0 4px 16px rgba(0, 0, 0, 0.3); }
    button { font: inherit; color: #9cd1ff; background: none; border: 1px solid #6b7785; border-radius: 6px;
             padding: 1px 10px; cursor: pointer; }
  `;
  const WORDS = {
    en: { known: (label) => `“${label}” will not be highlighted any more.`, undo: "Undo" },
    ja: { known: (label) => `「${label}」は今後ハイライトしません。`, undo: "元に戻す" },
  };

  let current = null; // {host, timer}

  function dismiss() {
    if (!current) return;
    clearTimeout(current.timer);
    current.host.remove();
    current = null;
  }

  /** Show the bar for `label`; `onUndo()` runs when the reader takes it back. */
  function offer(doc, label, lang, onUndo) {
    dismiss();
    const words = WORDS[lang === "ja" ? "ja" : "en"];
    const host = doc.createElement(HOST);
    host.style.setProperty("all", "initial", "important");
    const shadow = host.attachShadow({ mode: "open" });
    const style = doc.createElement("style");
    style.textContent = CSS;
    const bar = doc.createElement("div");
    bar.className = "bar";
    bar.setAttribute("role", "status");
    const text = doc.createElement("span");
    text.textContent = words.known(label);
    const undo = doc.createElement("button");
    undo.type = "button";
    undo.className = "undo";
    undo.textContent = words.undo;
    undo.addEventListener("click", () => {
      dismiss();
      onUndo();
    });
    bar.append(text, undo);
    shadow.append(style, bar);
    (doc.body || doc.documentElement).appendChild(host);
    current = { host, timer: setTimeout(dismiss, SHOW_MS) };
    return host;
  }

  const api = Object.freeze({ HOST, offer, dismiss });
  root.TadoruUndo = api;
  if (typeof module !== "undefined" && module.exports) module.exports = api;
})(typeof globalThis !== "undefined" ? globalThis : self);
