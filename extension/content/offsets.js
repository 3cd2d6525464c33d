/*
 * The one place that converts between code-point offsets and UTF-16 offsets.
 *
 * The Tadoru API (Python) counts code points; the DOM, `String.prototype.slice` and `Range`
 * count UTF-16 code units.  They differ after every character outside the Basic Multilingual
 * Plane (most emoji, rare kanji such as 𠮷), which takes two code units.  Everything else in
 * the extension converts through `OffsetMap`, so the rule lives here only.
 *
 * A lone surrogate counts as one code point in both Python and JavaScript's string iterator,
 * so it needs no special case: only a well-formed pair (high then low) counts as one.
 *
 * Plain script: defines `globalThis.TadoruOffsets` (and `module.exports` under Node for tests).
 */
(function (root) {
  "use strict";

  const SURROGATE_PAIR = /[\uD800-\uDBFF][\uDC00-\uDFFF]/g;

  /**
   * Conversions for one string.  Building it is O(n) once; each conversion is O(log p) where
   * p is the number of surrogate pairs (O(1) for the common all-BMP text).
   */
  class OffsetMap {
    constructor(text) {
      this.text = text;
      this.length16 = text.length;
      // UTF-16 index of the high surrogate of each pair, in order.
      this.pairs = [];
      SURROGATE_PAIR.lastIndex = 0;
      let m;
      while ((m = SURROGATE_PAIR.exec(text)) !== null) this.pairs.push(m.index);
      this.lengthCp = this.length16 - this.pairs.length;
    }

    /** Number of pairs whose high surrogate is at a UTF-16 index < `u16`. */
    _pairsBefore16(u16) {
      let lo = 0;
      let hi = this.pairs.length;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (this.pairs[mid] < u16) lo = mid + 1;
        else hi = mid;
      }
      return lo;
    }

    /** UTF-16 offset of code-point offset `cp` (clamped to the string). */
    toUtf16(cp) {
      if (!Number.isFinite(cp) || cp <= 0) return 0;
      if (cp >= this.lengthCp) return this.length16;
      if (this.pairs.length === 0) return cp;
      // The pair at pairs[k] starts at code point pairs[k] - k; count pairs starting before cp.
      let lo = 0;
      let hi = this.pairs.length;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (this.pairs[mid] - mid < cp) lo = mid + 1;
        else hi = mid;
      }
      return cp + lo;
    }

    /**
     * Code-point offset of UTF-16 offset `u16` (clamped).  An offset between the two halves of
     * a pair is rounded down to the start of the pair.
     */
    toCodePoint(u16) {
      if (!Number.isFinite(u16) || u16 <= 0) return 0;
      if (u16 >= this.length16) return this.lengthCp;
      if (this.pairs.length === 0) return u16;
      // Pairs that start before u16 each take one unit more than one code point; an offset
      // inside a pair (just after its high surrogate) comes out as the pair's own start.
      return u16 - this._pairsBefore16(u16);
    }
  }

  /** UTF-16 offset of code-point offset `cp` in `text` (one-off; use OffsetMap for many). */
  function utf16Offset(text, cp) {
    return new OffsetMap(text).toUtf16(cp);
  }

  /** Code-point offset of UTF-16 offset `u16` in `text` (one-off; use OffsetMap for many). */
  function codePointOffset(text, u16) {
    return new OffsetMap(text).toCodePoint(u16);
  }

  /** Length of `text` in code points (what Python's len() says). */
  function codePointLength(text) {
    return new OffsetMap(text).lengthCp;
  }

  const api = Object.freeze({ OffsetMap, utf16Offset, codePointOffset, codePointLength });
  root.TadoruOffsets = api;
  if (typeof module !== "undefined" && module.exports) module.exports = api;
})(typeof globalThis !== "undefined" ? globalThis : self);
