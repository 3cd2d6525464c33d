/*
 * The page text the content script walked, as the `html` the Tadoru API reads.
 *
 * Why not send `text`?  On a page, the edge of a block element is a word break even where the
 * markup has no whitespace (`<td>LoRA</td><td>22GB</td>` reads "LoRA22GB"); the service knows
 * this for `html` input (htmltext.py's BLOCK_TAGS and `breaks`) but has no way to be told it
 * for `text`.  So the worker sends a minimal document whose visible text, by the service's own
 * walk, is exactly the walked text, with a `<br>` (a block edge) at every break the walk found:
 * the annotations' offsets then index the extension's text and agree with what the service
 * finds in the original page.  A test round-trips random texts through htmltext.py.
 *
 * Only characters an HTML parser would change are replaced, each by one character of the same
 * length, so offsets are unchanged: CR → LF, and characters XML cannot hold (C0 controls,
 * lone surrogates, U+FFFE/U+FFFF) → U+FFFD.
 *
 * Plain script: defines `globalThis.TadoruPageDoc`.
 */
(function (root) {
  "use strict";

  const NOT_XML = /[\x00-\x08\x0B\x0C\x0E-\x1F\uFFFE\uFFFF]/g;
  const ESCAPES = { "&": "&amp;", "<": "&lt;", ">": "&gt;" };

  /** `text` with every character an HTML parser would alter replaced, length unchanged. */
  function parserSafe(text) {
    const wellFormed = typeof text.toWellFormed === "function" ? text.toWellFormed() : text;
    return wellFormed.replace(/\r/g, "\n").replace(NOT_XML, "\uFFFD");
  }

  function escapeHtml(text) {
    return text.replace(/[&<>]/g, (c) => ESCAPES[c]);
  }

  /** The element a role run is sent as: a heading starts a section, furniture is never marked under calm. */
  const ROLE_TAGS = { 1: "h2", 2: "aside" };

  /**
   * The document for `text` (UTF-16) with word breaks at the sorted UTF-16 offsets `breaks`,
   * and the walk's heading and furniture stretches (`roles`: sorted, disjoint `[start, end,
   * role]` runs from `TadoruWalk.roleRuns`) wrapped in `<h2>`/`<aside>`, so the service's
   * density (docs/ARCHITECTURE.md, "Density") sees the page's sections.  Wrapping adds no text:
   * offsets are unchanged.  Offset 0 needs no marker: the start of `<body>` is a block edge already.
   */
  function toHtml(text, breaks, roles) {
    const safe = parserSafe(text);
    const inPair = (b) => /[\uD800-\uDBFF]/.test(safe[b - 1]) && /[\uDC00-\uDFFF]/.test(safe[b]);
    const events = []; // [offset, order, markup]: closing tags before breaks before opening tags
    for (const b of breaks || []) {
      if (b > 0 && b < safe.length && !inPair(b)) events.push([b, 1, "<br>"]);
    }
    let last = 0;
    for (const run of roles || []) {
      const [start, end, role] = run;
      const tag = ROLE_TAGS[role];
      if (!tag || !(start >= last && end > start && end <= safe.length) || inPair(start) || inPair(end)) continue;
      events.push([start, 2, "<" + tag + ">"], [end, 0, "</" + tag + ">"]);
      last = end;
    }
    events.sort((x, y) => x[0] - y[0] || x[1] - y[1]);
    const parts = ["<!DOCTYPE html><html><head><meta charset=\"utf-8\"></head><body>"];
    let pos = 0;
    for (const [at, , markup] of events) {
      parts.push(escapeHtml(safe.slice(pos, at)), markup);
      pos = at;
    }
    parts.push(escapeHtml(safe.slice(pos)), "</body></html>");
    return parts.join("");
  }

  const api = Object.freeze({ toHtml, parserSafe });
  root.TadoruPageDoc = api;
  if (typeof module !== "undefined" && module.exports) module.exports = api;
})(typeof globalThis !== "undefined" ? globalThis : self);
