/*
 * The known-terms file, exactly as `server/tadoru/known.py` reads and writes it:
 *
 *     {"format": "tadoru-known", "version": 1, "known": ["dataset", "gpu"]}
 *
 * A plain JSON list of ids is accepted too.  The options page exports with `knownDocument()`
 * and imports with `parseKnownText()`; `tadoru annotate --known FILE` reads the same file.
 * A test feeds the same cases to both implementations.
 *
 * Plain script: defines `globalThis.TadoruKnown`.
 */
(function (root) {
  "use strict";

  const FORMAT = "tadoru-known";
  const VERSION = 1;
  const MAX_BYTES = 1000000;

  function pyRepr(value) {
    if (value === undefined || value === null) return "None";
    if (typeof value === "string") return `'${value}'`;
    return JSON.stringify(value);
  }

  /** Ids from a decoded known-terms document; throws an Error that says what is wrong. */
  function parseKnown(data) {
    if (data && typeof data === "object" && !Array.isArray(data)) {
      const format = "format" in data ? data.format : FORMAT;
      if (format !== FORMAT) {
        throw new Error(`not a known-terms file (format is ${pyRepr(format)}, expected '${FORMAT}')`);
      }
      const version = "version" in data ? data.version : VERSION;
      if (typeof version !== "number" || !Number.isInteger(version) || version > VERSION) {
        throw new Error(`unsupported version ${pyRepr(version)} (this Tadoru reads version ${VERSION})`);
      }
      data = data.known;
    }
    if (!Array.isArray(data) || !data.every((x) => typeof x === "string")) {
      throw new Error('expected {"known": [term ids...]} or a list of term ids');
    }
    const seen = [];
    for (const item of data) {
      const id = item.trim();
      if (id && !seen.includes(id)) seen.push(id);
    }
    return seen;
  }

  /** Ids from the text of a known-terms file; throws an Error that says what is wrong. */
  function parseKnownText(text) {
    if (typeof text !== "string") throw new Error("the file is not text");
    if (new TextEncoder().encode(text).length > MAX_BYTES) {
      throw new Error(`the file is larger than ${MAX_BYTES} bytes`);
    }
    let data;
    try {
      data = JSON.parse(text.replace(/^\uFEFF/, ""));
    } catch (err) {
      throw new Error(`not valid JSON (${err.message})`);
    }
    return parseKnown(data);
  }

  /** The document the options page exports (sorted, no duplicates). */
  function knownDocument(ids) {
    const unique = Array.from(new Set(ids)).sort();
    return { format: FORMAT, version: VERSION, known: unique };
  }

  const api = Object.freeze({ FORMAT, VERSION, MAX_BYTES, parseKnown, parseKnownText, knownDocument });
  root.TadoruKnown = api;
  if (typeof module !== "undefined" && module.exports) module.exports = api;
})(typeof globalThis !== "undefined" ? globalThis : self);
