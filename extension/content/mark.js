/*
 * Marking: wrapping anchored annotations in `<tadoru-term data-term tabindex>` (docs/ARCHITECTURE.md, "Markup").
 *
 * Only text nodes are split and wrapped; no element is moved, restyled or replaced, so links
 * keep working (the highlight sits inside the `<a>`, and clicks bubble to it) and the layout
 * does not move (`tadoru-term` is an undefined custom element: inline, and untouched by page
 * rules for `span`, `mark` or `div`; content/highlight.css only adds a background and an
 * underline).  An annotation that spans several text nodes (`<b>fine</b>-tuning`) is wrapped
 * piece by piece, every piece with the same `data-term`; only the first piece is a Tab stop.
 * The same rules as `mark_page` in server/tadoru/htmltext.py.
 *
 * Plain script: defines `globalThis.TadoruMark`.
 */
(function (root) {
  "use strict";

  const TAG = "tadoru-term";

  /**
   * Wrap every placed annotation (`{ann, start, end}` in `snapshot`, see TadoruAnchor).
   * Text nodes created by splitting are added to `done` so the observer never walks them again.
   * Returns the number of annotations marked.
   */
  function markPlaced(snapshot, placed, done) {
    const { piecesOf } = root.TadoruAnchor;
    const byNode = new Map(); // snapshot node index → pieces in that node
    for (const p of placed) {
      const pieces = piecesOf(snapshot, p.start, p.end);
      pieces.forEach((piece, i) => {
        piece.term = p.ann.term;
        piece.candidate = p.ann.candidate || null;
        piece.first = i === 0;
        if (!byNode.has(piece.index)) byNode.set(piece.index, []);
        byNode.get(piece.index).push(piece);
      });
    }
    for (const pieces of byNode.values()) {
      // Last piece first: splitting keeps the head of the node in place for earlier pieces.
      pieces.sort((a, b) => b.start - a.start);
      for (const piece of pieces) wrapPiece(piece, done);
    }
    return placed.length;
  }

  function wrapPiece(piece, done) {
    const node = piece.node;
    const doc = node.ownerDocument;
    if (!node.parentNode) return;
    if (piece.end < node.data.length) {
      const after = node.splitText(piece.end);
      if (done) done.add(after);
    }
    const middle = piece.start > 0 ? node.splitText(piece.start) : node;
    if (done) done.add(middle);
    const el = doc.createElement(TAG);
    if (piece.candidate) setCandidate(el, piece.candidate);
    else el.setAttribute("data-term", piece.term);
    el.setAttribute("tabindex", piece.first ? "0" : "-1"); // the tooltip then makes all but one -1
    middle.parentNode.replaceChild(el, middle);
    el.appendChild(middle);
  }

  /**
   * A word Tadoru does not know yet (issue 16): what the tooltip makes its card from, as
   * attributes (values from the service, set with setAttribute: never parsed as markup).
   */
  function setCandidate(el, c) {
    el.setAttribute("data-candidate", c.kind);
    el.setAttribute("data-surface", c.surface);
    if (c.long_form) el.setAttribute("data-long-form", c.long_form);
    if (c.head) el.setAttribute("data-head", c.head);
    if (c.lang) el.setAttribute("data-lang", c.lang);
  }

  /** Put an element's children back in its place and drop it, merging the text it leaves. */
  function unwrap(el) {
    const parent = el.parentNode;
    if (!parent) return;
    const children = Array.from(el.childNodes);
    for (const child of children) parent.insertBefore(child, el);
    parent.removeChild(el);
    for (const child of children) {
      if (child.nodeType === 3 && child.parentNode === parent) mergeWithNeighbours(child);
    }
  }

  function mergeWithNeighbours(text) {
    const next = text.nextSibling;
    if (next && next.nodeType === 3) {
      text.appendData(next.data);
      next.remove();
    }
    const prev = text.previousSibling;
    if (prev && prev.nodeType === 3) {
      prev.appendData(text.data);
      text.remove();
    }
  }

  /** Remove the highlights of the given term ids (all highlights when `ids` is null). */
  function unmark(rootNode, ids) {
    const wanted = ids ? new Set(ids) : null;
    let removed = 0;
    for (const el of Array.from(rootNode.querySelectorAll(TAG))) {
      if (!wanted || wanted.has(el.getAttribute("data-term"))) {
        unwrap(el);
        removed++;
      }
    }
    return removed;
  }

  /**
   * A highlight's first piece: tabindex="0" as marked, or data-tadoru-stop once the tooltip made
   * the highlights one Tab stop (shared/tooltip.js, "roving focus").
   */
  const FIRST = ':is([tabindex="0"], [data-tadoru-stop])';

  /** The distinct annotations currently marked (pieces after the first, and candidates, are not counted). */
  function countMarks(rootNode) {
    return rootNode.querySelectorAll(`${TAG}${FIRST}:not([data-candidate])`).length;
  }

  /** The distinct candidates currently marked. */
  function countCandidates(rootNode) {
    return rootNode.querySelectorAll(`${TAG}${FIRST}[data-candidate]`).length;
  }

  /** Remove every candidate mark (the reader switched them off). */
  function unmarkCandidates(rootNode) {
    const marks = Array.from(rootNode.querySelectorAll(`${TAG}[data-candidate]`));
    for (const el of marks) unwrap(el);
    return marks.length;
  }

  const api = Object.freeze({ TAG, markPlaced, unwrap, unmark, countMarks, countCandidates, unmarkCandidates });
  root.TadoruMark = api;
  if (typeof module !== "undefined" && module.exports) module.exports = api;
})(typeof globalThis !== "undefined" ? globalThis : self);
