/*
 * "Read with Tadoru" for PDFs: the pure rules, shared by the worker, the popup and the tests.
 *
 * Chromium's PDF viewer is a closed frame no extension can script, so a PDF gets its highlights in
 * the service's reader page (<serviceUrl>/read) instead: the worker fetches the PDF's bytes (the
 * service never fetches URLs), opens the reader and hands the bytes over (see service-worker.js).
 * This file only decides: is this tab a PDF, is this an arXiv PDF, is this size allowed, are
 * these bytes a PDF, may file:// PDFs be read, and how bytes travel as text (extension messages and `executeScript`
 * arguments are JSON, which cannot carry an ArrayBuffer).
 *
 * Plain script: defines `globalThis.TadoruPdf`.
 */
(function (root) {
  "use strict";

  /** The largest PDF handed to the reader: the service's TADORU_MAX_PDF default (50 MiB). */
  const MAX_PDF_BYTES = 50 * 1024 * 1024;

  /** Raw bytes per `executeScript` call when the bytes go to the reader tab (as base64). */
  const CHUNK_BYTES = 4 * 1024 * 1024;

  /** The hosts whose /pdf/… pages are arXiv PDFs (the auto-open option asks access to these). */
  const ARXIV_HOSTS = Object.freeze(["arxiv.org", "www.arxiv.org", "export.arxiv.org"]);
  const ARXIV_ORIGINS = Object.freeze(ARXIV_HOSTS.map((host) => `https://${host}/*`));

  function parse(url) {
    try {
      return new URL(String(url));
    } catch (_) {
      return null;
    }
  }

  /** Whether `url` is an arXiv PDF: https://arxiv.org/pdf/2401.00001 (with or without "v2", ".pdf"). */
  function isArxivPdfUrl(url) {
    const u = parse(url);
    if (!u || u.protocol !== "https:") return false;
    return ARXIV_HOSTS.includes(u.hostname) && /^\/pdf\/[^/]/.test(u.pathname);
  }

  /**
   * Which kind of PDF tab `url` shows: "web" (http/https), "file" (file://) or null (not a PDF).
   * `contentType` is the document's type when the content script could tell it ("" otherwise);
   * without it, a path ending in .pdf or an arXiv /pdf/ path counts.
   */
  function pdfKind(url, contentType) {
    const u = parse(url);
    if (!u) return null;
    const typed = String(contentType || "").toLowerCase().split(";")[0].trim() === "application/pdf";
    const named = /\.pdf$/i.test(u.pathname);
    if (u.protocol === "http:" || u.protocol === "https:") {
      return typed || named || isArxivPdfUrl(url) ? "web" : null;
    }
    if (u.protocol === "file:") return typed || named ? "file" : null;
    return null;
  }

  /** The file name the reader shows for a PDF at `url`. */
  function fileName(url) {
    const u = parse(url);
    if (!u) return "PDF";
    const last = u.pathname.split("/").filter(Boolean).pop() || u.hostname || "PDF";
    let name;
    try {
      name = decodeURIComponent(last);
    } catch (_) {
      name = last;
    }
    if (isArxivPdfUrl(url) && !/\.pdf$/i.test(name)) name += ".pdf";
    return name;
  }

  /** Whether `bytes` may be sent to the reader; a size in bytes (a Content-Length or a count). */
  function sizeAllowed(bytes) {
    return Number.isFinite(bytes) && bytes >= 0 && bytes <= MAX_PDF_BYTES;
  }

  /** Size in MiB as the reader reads it ("50"). */
  function mib(bytes) {
    return String(Math.round((bytes / (1024 * 1024)) * 10) / 10);
  }

  /** Whether `bytes` (a Uint8Array) hold a PDF: "%PDF" in the first 1024 bytes, as the reader checks. */
  function looksLikePdf(bytes) {
    const head = bytes.subarray(0, 1024);
    for (let i = 0; i + 3 < head.length; i++) {
      if (head[i] === 0x25 && head[i + 1] === 0x50 && head[i + 2] === 0x44 && head[i + 3] === 0x46) return true;
    }
    return false;
  }

  /** The reader page of a service URL (already normalised: no trailing slash), with the reader's
   *  choices as its query (`{level, discover}`: the reader page reads both; empty ones are left out). */
  function readerUrl(serviceUrl, query) {
    const base = String(serviceUrl).replace(/\/+$/, "") + "/read";
    const params = new URLSearchParams();
    for (const [key, value] of Object.entries(query || {})) {
      if (value !== undefined && value !== null && value !== "") params.set(key, String(value));
    }
    const search = params.toString();
    return search ? base + "?" + search : base;
  }

  /** Whether a tab's URL is the reader page of `serviceUrl` (query and fragment aside). */
  function isReaderUrl(url, serviceUrl) {
    const u = parse(url);
    const want = parse(readerUrl(serviceUrl));
    return !!u && !!want && u.origin === want.origin && u.pathname === want.pathname;
  }

  /** Bytes → base64 text (in slices, so a big PDF does not overflow the argument list). */
  function toBase64(bytes) {
    let binary = "";
    for (let i = 0; i < bytes.length; i += 0x8000) {
      binary += String.fromCharCode.apply(null, bytes.subarray(i, i + 0x8000));
    }
    return btoa(binary);
  }

  /** base64 text → bytes. */
  function fromBase64(text) {
    const binary = atob(text);
    const out = new Uint8Array(binary.length);
    for (let i = 0; i < binary.length; i++) out[i] = binary.charCodeAt(i);
    return out;
  }

  /** The [offset, end) slices in which `length` bytes travel. */
  function chunks(length, size = CHUNK_BYTES) {
    const out = [];
    for (let start = 0; start < length; start += size) out.push([start, Math.min(length, start + size)]);
    return out;
  }

  /** May the extension read file:// pages? The reader switches it on per extension; false outside a browser. */
  async function fileAccessAllowed() {
    const ext = root.chrome && root.chrome.extension;
    try {
      return !!(ext && ext.isAllowedFileSchemeAccess && (await ext.isAllowedFileSchemeAccess()));
    } catch (_) {
      return false;
    }
  }

  const api = Object.freeze({
    MAX_PDF_BYTES, CHUNK_BYTES, ARXIV_HOSTS, ARXIV_ORIGINS,
    isArxivPdfUrl, pdfKind, fileName, sizeAllowed, mib, looksLikePdf, readerUrl, isReaderUrl,
    toBase64, fromBase64, chunks, fileAccessAllowed,
  });
  root.TadoruPdf = api;
  if (typeof module !== "undefined" && module.exports) module.exports = api;
})(typeof globalThis !== "undefined" ? globalThis : self);
