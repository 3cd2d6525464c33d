/*
 * Every message between the extension's parts, declared once and checked at both ends.
 *
 * Content scripts, the popup and the options page talk to the service worker (the only part
 * that talks to the Tadoru service) with `TadoruMessages.send(type, payload)`; the worker
 * answers through `TadoruMessages.listen(handlers)`.  A request whose type or payload is not
 * declared here is refused before any handler runs, and an answer that is not of the declared
 * envelope is refused by the sender, so a typo fails loudly instead of silently doing nothing.
 * Errors cross as plain `{code, message}` objects (structured clone cannot carry Error objects).
 *
 * Plain script (no modules, no build step): defines `globalThis.TadoruMessages`.
 */
(function (root) {
  "use strict";

  /**
   * Payload field types: "string", "number", "boolean", "object", "array", "any"; a trailing
   * "?" makes the field optional.  `result` describes the success answer's fields the same way.
   */
  const TYPES = Object.freeze({
    // content → worker: the visible text of a page (or of content added later), with the
    // UTF-16 offsets where a block edge separates words and its heading and furniture runs
    // (see walk.js's roleRuns and pagedoc.js).
    annotate: {
      request: { text: "string", breaks: "array", roles: "array?", url: "string" },
      result: { lang: "string", annotations: "array", terms: "object" },
    },
    // content / tooltip → worker: one term card (cached by the worker).
    term: { request: { id: "string" }, result: { id: "string" } },
    // popup → worker: is the service reachable and new enough? (+ what this tab reported)
    status: {
      request: { tabId: "number?" },
      result: { state: "string", message: "string", serviceUrl: "string" },
    },
    // content → worker: "I know this" was clicked in the tooltip.
    knownAdd: { request: { id: "string" }, result: { known: "array" } },
    // content → worker: "Undo" after "I know this" (the term is highlighted again everywhere).
    knownRemove: { request: { id: "string" }, result: { known: "array" } },
    // content (on the service's own pages) → worker: the known list as the web pages now hold it
    // (one list for the extension and the web pages; see content.js, bridgeKnown).
    knownReplace: { request: { ids: "array" }, result: { known: "array" } },
    // content → worker: the reader opened a term's card (the looked-up history, newest first).
    lookedUp: { request: { id: "string" }, result: {} },
    // placement page → worker: the placement's term cards (GET /api/v1/placement).
    placement: { request: {}, result: { terms: "array" } },
    // placement page → worker: the terms the reader can explain (or a skip): the worker saves the
    // level and the known terms the service derives from them (POST /api/v1/placement).
    placementDone: { request: { canExplain: "array", skipped: "boolean" }, result: { level: "number", known: "array" } },
    // content → worker: the tooltip's stylesheet text (read from the extension package).
    tooltipCss: { request: {}, result: { css: "string" } },
    // content → worker: how many highlights this page has now, and how long the work took.
    pageReport: { request: { count: "number", timings: "object" }, result: {} },
    // popup → content script of a tab: is Tadoru on here, and what did it do? (`contentType`
    // is the document's type: "application/pdf" in the browser's PDF viewer; `url` the page's
    // address, for tabs whose URL the extension may not read, such as file:// pages.)
    pageInfo: {
      request: {},
      result: {
        host: "string", enabled: "boolean", running: "boolean", count: "number", contentType: "string?", url: "string?",
      },
    },
    // worker (the keyboard command) or popup → content script of a tab: highlights off, or on
    // again, for this tab only (issue 15 #3); answers whether they are on now.
    toggleHighlights: { request: {}, result: { running: "boolean" } },
    // worker → content script of every tab: the service answers again after failing; a page
    // left unmarked by the failure annotates now, without a reload (issue 15 #7).
    serviceBack: { request: {}, result: {} },
    // popup → worker: "Read with Tadoru" — fetch the PDF at `url` (shown in tab `tabId`), open the
    // service's reader in a new tab and hand it the bytes.  Answers once the reader has them.
    openPdf: {
      request: { url: "string", tabId: "number?" },
      result: { readerTabId: "number", bytes: "number" },
    },
  });

  /** Every error code that may cross a message boundary. */
  const ERROR_CODES = Object.freeze([
    "bad_message", // a request or answer that does not match TYPES
    "service_unreachable", // nothing answers at the service URL
    "service_too_old", // the service answers, but not with the API this extension needs
    "service_error", // the service answered with an error (its message is passed on)
    "bad_response", // the service answered something that is not the documented JSON
    "timeout", // the service took too long
    "unauthorized", // the service needs a token (TADORU_TOKEN) and has none or another
    "overloaded", // the service is past capacity (503): retry later
    "permission_denied", // the service URL is not covered by the extension's host permissions
    "unknown_term", // no such term id
    "disabled", // the extension is off for this site
    "pdf_fetch_failed", // the PDF could not be downloaded (HTTP status or network error)
    "not_pdf", // what was downloaded is not a PDF
    "too_large", // the PDF is larger than the reader takes (TadoruPdf.MAX_PDF_BYTES)
    "reader_failed", // the service's reader page did not open or did not take the PDF
    "internal", // a bug in the extension
  ]);

  class TadoruError extends Error {
    constructor(code, message) {
      super(message);
      this.name = "TadoruError";
      this.code = ERROR_CODES.includes(code) ? code : "internal";
    }

    toPlain() {
      return { code: this.code, message: String(this.message) };
    }

    static from(value) {
      if (value instanceof TadoruError) return value;
      if (value && typeof value === "object" && typeof value.code === "string") {
        return new TadoruError(value.code, String(value.message || value.code));
      }
      return new TadoruError("internal", value && value.message ? String(value.message) : String(value));
    }
  }

  function typeOf(value) {
    if (Array.isArray(value)) return "array";
    if (value === null) return "null";
    return typeof value;
  }

  /** Problems of `obj` against a field table, as readable strings (empty when it fits). */
  function checkFields(obj, fields, where) {
    if (typeOf(obj) !== "object") return [`${where} must be an object, not ${typeOf(obj)}`];
    const problems = [];
    for (const [name, spec] of Object.entries(fields)) {
      const optional = spec.endsWith("?");
      const want = optional ? spec.slice(0, -1) : spec;
      if (!(name in obj) || obj[name] === undefined) {
        if (!optional) problems.push(`${where}.${name} is missing`);
        continue;
      }
      const got = typeOf(obj[name]);
      if (want !== "any" && got !== want) problems.push(`${where}.${name} must be ${want}, not ${got}`);
    }
    for (const name of Object.keys(obj)) {
      if (!(name in fields)) problems.push(`${where}.${name} is not a known field`);
    }
    return problems;
  }

  /** Throws `bad_message` unless `msg` is `{type, payload}` of a declared type. */
  function checkRequest(msg) {
    if (typeOf(msg) !== "object" || typeof msg.type !== "string") {
      throw new TadoruError("bad_message", "a message must be {type, payload}");
    }
    const decl = TYPES[msg.type];
    if (!decl) throw new TadoruError("bad_message", `unknown message type '${msg.type}'`);
    const problems = checkFields(msg.payload, decl.request, `${msg.type}.payload`);
    if (problems.length) throw new TadoruError("bad_message", problems.join("; "));
    return msg;
  }

  /** The result of an answer envelope `{ok, result}` / `{ok:false, error}`, or a thrown error. */
  function checkResponse(type, response) {
    if (response === undefined) {
      const lastError = root.chrome && chrome.runtime && chrome.runtime.lastError;
      throw new TadoruError("internal", `no answer to '${type}'${lastError ? `: ${lastError.message}` : ""}`);
    }
    if (typeOf(response) !== "object" || typeof response.ok !== "boolean") {
      throw new TadoruError("bad_message", `answer to '${type}' is not an {ok, ...} envelope`);
    }
    if (!response.ok) throw TadoruError.from(response.error);
    const decl = TYPES[type];
    const result = response.result;
    if (typeOf(result) !== "object") throw new TadoruError("bad_message", `answer to '${type}' has no result object`);
    const missing = Object.entries(decl.result)
      .filter(([name, spec]) => !spec.endsWith("?") && (typeOf(result[name]) !== spec && spec !== "any"))
      .map(([name, spec]) => `${type}.result.${name} must be ${spec}, not ${typeOf(result[name])}`);
    if (missing.length) throw new TadoruError("bad_message", missing.join("; "));
    return result;
  }

  /** Send a declared message to the service worker; resolves to its result or throws TadoruError. */
  async function send(type, payload = {}) {
    const msg = checkRequest({ type, payload });
    let response;
    try {
      response = await chrome.runtime.sendMessage(msg);
    } catch (err) {
      throw new TadoruError("internal", `cannot reach the extension's service worker: ${err && err.message}`);
    }
    return checkResponse(type, response);
  }

  /** Send a declared message to the content script of tab `tabId` (see `send`). */
  async function sendToTab(tabId, type, payload = {}) {
    const msg = checkRequest({ type, payload });
    let response;
    try {
      response = await chrome.tabs.sendMessage(tabId, msg);
    } catch (err) {
      throw new TadoruError("disabled", `no Tadoru content script in this tab: ${err && err.message}`);
    }
    return checkResponse(type, response);
  }

  /**
   * Answer declared messages with `handlers[type](payload, sender)` (sync or async).
   * Messages of other types and malformed payloads are answered with `bad_message`.
   */
  function listen(handlers) {
    for (const type of Object.keys(handlers)) {
      if (!TYPES[type]) throw new Error(`handler for undeclared message type '${type}'`);
    }
    chrome.runtime.onMessage.addListener((msg, sender, sendResponse) => {
      (async () => {
        checkRequest(msg);
        const handler = handlers[msg.type];
        if (!handler) throw new TadoruError("bad_message", `no handler for '${msg.type}'`);
        return handler(msg.payload, sender);
      })().then(
        (result) => sendResponse({ ok: true, result: result === undefined ? {} : result }),
        (err) => sendResponse({ ok: false, error: TadoruError.from(err).toPlain() })
      );
      return true; // the answer comes asynchronously
    });
  }

  const api = Object.freeze({ TYPES, ERROR_CODES, TadoruError, checkRequest, checkResponse, send, sendToTab, listen });
  root.TadoruMessages = api;
  if (typeof module !== "undefined" && module.exports) module.exports = api;
})(typeof globalThis !== "undefined" ? globalThis : self);
