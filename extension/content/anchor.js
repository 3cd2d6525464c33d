/*
 * Anchoring: turning the service's annotations back into places in the page's text nodes.
 *
 * Position first: the extension sent exactly the walked text, so an annotation's code-point
 * offsets (converted to UTF-16 by TadoruOffsets) normally land on `exact`.  When they do not —
 * the page changed its text while the service was answering, a script rewrote a paragraph —
 * the W3C TextQuoteSelector takes over: every occurrence of `exact` in the current text is
 * scored by how much of `prefix` and `suffix` surrounds it, the nearest to the old position
 * winning a tie.  An annotation that matches nowhere is dropped, never forced.
 *
 * Plain script: defines `globalThis.TadoruAnchor`.
 */
(function (root) {
  "use strict";

  const MAX_CANDIDATES = 500;

  /** Whether every text node of a walk still holds the text it held when walked. */
  function snapshotIntact(snapshot) {
    return snapshot.nodes.every((n) => n.node.isConnected && n.node.data === n.data);
  }

  function commonSuffixLength(a, b) {
    let n = 0;
    while (n < a.length && n < b.length && a[a.length - 1 - n] === b[b.length - 1 - n]) n++;
    return n;
  }

  function commonPrefixLength(a, b) {
    let n = 0;
    while (n < a.length && n < b.length && a[n] === b[n]) n++;
    return n;
  }

  /**
   * The best place of `exact` in `text` (UTF-16 `{start, end}`), judged by `prefix`/`suffix`
   * and closeness to `hint`; null when `exact` does not occur.
   */
  function anchorByQuote(text, quote, hint) {
    const exact = quote.exact;
    if (!exact) return null;
    const prefix = quote.prefix || "";
    const suffix = quote.suffix || "";
    let best = null;
    let found = 0;
    for (let i = text.indexOf(exact); i !== -1 && found < MAX_CANDIDATES; i = text.indexOf(exact, i + 1)) {
      found++;
      const end = i + exact.length;
      const score =
        commonSuffixLength(text.slice(Math.max(0, i - prefix.length), i), prefix) +
        commonPrefixLength(text.slice(end, end + suffix.length), suffix);
      const distance = Math.abs(i - (hint || 0));
      if (!best || score > best.score || (score === best.score && distance < best.distance)) {
        best = { start: i, end, score, distance };
      }
    }
    return best && { start: best.start, end: best.end };
  }

  /** UTF-16 `{start, end}` of an annotation in `text` when its offsets still hold, else null. */
  function anchorByPosition(text, map, ann) {
    const start = map.toUtf16(ann.start);
    const end = map.toUtf16(ann.end);
    if (end <= start || text.slice(start, end) !== ann.exact) return null;
    return { start, end };
  }

  /**
   * Place annotations in a walk.  `walk` is the walk sent to the service; `rewalk()` walks the
   * same part of the page again, used only when the page changed meanwhile.
   *
   * Returns `{snapshot, placed: [{ann, start, end}], byPosition, byQuote, dropped}` with
   * UTF-16 offsets into `snapshot.text`, sorted and never overlapping.
   */
  function anchorAll(walk, annotations, rewalk) {
    const { OffsetMap } = root.TadoruOffsets;
    const sentMap = new OffsetMap(walk.text);
    let snapshot = walk;
    if (!snapshotIntact(walk)) snapshot = rewalk();
    const sameText = snapshot === walk || snapshot.text === walk.text;
    let byPosition = 0;
    let byQuote = 0;
    const candidates = [];
    for (const ann of annotations) {
      let range = sameText ? anchorByPosition(snapshot.text, sentMap, ann) : null;
      if (range) {
        byPosition++;
      } else {
        range = anchorByQuote(snapshot.text, ann, sentMap.toUtf16(ann.start));
        if (range) byQuote++;
      }
      if (range) candidates.push({ ann, start: range.start, end: range.end });
    }
    candidates.sort((a, b) => a.start - b.start || b.end - a.end);
    const placed = [];
    let lastEnd = -1;
    for (const c of candidates) {
      if (c.start >= lastEnd) {
        placed.push(c);
        lastEnd = c.end;
      }
    }
    return { snapshot, placed, byPosition, byQuote, dropped: annotations.length - placed.length };
  }

  /** The text-node pieces `[{node, start, end}]` (node-local UTF-16) covering `[start, end)`. */
  function piecesOf(snapshot, start, end) {
    const nodes = snapshot.nodes;
    let lo = 0;
    let hi = nodes.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (nodes[mid].end <= start) lo = mid + 1;
      else hi = mid;
    }
    const pieces = [];
    for (let k = lo; k < nodes.length && nodes[k].start < end; k++) {
      const n = nodes[k];
      const a = Math.max(start, n.start) - n.start;
      const b = Math.min(end, n.end) - n.start;
      if (b > a) pieces.push({ node: n.node, index: k, start: a, end: b });
    }
    return pieces;
  }

  const api = Object.freeze({ snapshotIntact, anchorByQuote, anchorByPosition, anchorAll, piecesOf });
  root.TadoruAnchor = api;
  if (typeof module !== "undefined" && module.exports) module.exports = api;
})(typeof globalThis !== "undefined" ? globalThis : self);
