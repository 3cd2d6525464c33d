// Unit checks of extension/shared/pdf.js ("Read with Tadoru"): which tabs are PDFs, which are
// arXiv PDFs, the size cap, the PDF signature, and bytes through base64 chunks.
"use strict";
const test = require("node:test");
const assert = require("node:assert/strict");
const path = require("node:path");
const shared = path.join(__dirname, "..", "..", "extension", "shared");
const P = require(path.join(shared, "pdf.js"));
const S = require(path.join(shared, "settings.js"));

test("arXiv PDF URLs are recognised, and nothing else", () => {
  for (const url of [
    "https://arxiv.org/pdf/2106.09685",
    "https://arxiv.org/pdf/2106.09685v2",
    "https://arxiv.org/pdf/2106.09685.pdf",
    "https://www.arxiv.org/pdf/cs/0112017v1",
    "https://export.arxiv.org/pdf/2106.09685#page=3",
  ]) assert.equal(P.isArxivPdfUrl(url), true, url);
  for (const url of [
    "https://arxiv.org/abs/2106.09685",
    "https://arxiv.org/pdf/",
    "http://arxiv.org/pdf/2106.09685", // arXiv serves https; the option asks access to https only
    "https://arxiv.org.evil.example/pdf/2106.09685",
    "https://evil.example/arxiv.org/pdf/2106.09685",
    "https://notarxiv.org/pdf/2106.09685",
    "not a url",
    "",
  ]) assert.equal(P.isArxivPdfUrl(url), false, url);
});

test("a tab is a PDF by its content type, its .pdf path, or an arXiv /pdf/ path", () => {
  assert.equal(P.pdfKind("https://example.org/paper.pdf", ""), "web");
  assert.equal(P.pdfKind("http://127.0.0.1:8000/a/Paper.PDF?download=1", undefined), "web");
  assert.equal(P.pdfKind("https://example.org/download?id=3", "application/pdf"), "web");
  assert.equal(P.pdfKind("https://example.org/download?id=3", "application/pdf; charset=binary"), "web");
  assert.equal(P.pdfKind("https://arxiv.org/pdf/2106.09685", ""), "web");
  assert.equal(P.pdfKind("file:///home/me/paper.pdf", ""), "file");
  assert.equal(P.pdfKind("file:///home/me/notes.txt", "text/plain"), null);
  assert.equal(P.pdfKind("https://example.org/article.html", "text/html"), null);
  assert.equal(P.pdfKind("https://example.org/pdf", "text/html"), null);
  assert.equal(P.pdfKind("chrome://settings/", "application/pdf"), null);
  assert.equal(P.pdfKind("", "application/pdf"), null);
});

test("the size cap is the service's 50 MiB default, inclusive", () => {
  assert.equal(P.MAX_PDF_BYTES, 50 * 1024 * 1024);
  assert.equal(P.sizeAllowed(0), true);
  assert.equal(P.sizeAllowed(P.MAX_PDF_BYTES), true);
  assert.equal(P.sizeAllowed(P.MAX_PDF_BYTES + 1), false);
  assert.equal(P.sizeAllowed(NaN), false);
  assert.equal(P.sizeAllowed(-1), false);
  assert.equal(P.mib(P.MAX_PDF_BYTES), "50");
});

test("the PDF signature is looked for in the first 1024 bytes, as the reader does", () => {
  const enc = (s) => new TextEncoder().encode(s);
  assert.equal(P.looksLikePdf(enc("%PDF-1.4\n...")), true);
  assert.equal(P.looksLikePdf(enc("\n\n  %PDF-1.7")), true);
  assert.equal(P.looksLikePdf(enc("<!doctype html><title>Not found</title>")), false);
  assert.equal(P.looksLikePdf(enc(" ".repeat(1030) + "%PDF")), false);
  assert.equal(P.looksLikePdf(new Uint8Array(0)), false);
});

test("bytes survive base64 chunks of any size", () => {
  const bytes = new Uint8Array(70000);
  for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 7919) & 0xff;
  const slices = P.chunks(bytes.length, 30000);
  assert.deepEqual(slices, [[0, 30000], [30000, 60000], [60000, 70000]]);
  const back = new Uint8Array(bytes.length);
  for (const [start, end] of slices) back.set(P.fromBase64(P.toBase64(bytes.subarray(start, end))), start);
  assert.deepEqual(back, bytes);
  assert.deepEqual(P.chunks(0), []);
});

test("reader URL and file names", () => {
  assert.equal(P.readerUrl("http://127.0.0.1:8765"), "http://127.0.0.1:8765/read");
  assert.equal(P.readerUrl("http://127.0.0.1:8765/", { level: 2, discover: "names" }),
               "http://127.0.0.1:8765/read?level=2&discover=names");
  assert.equal(P.readerUrl("http://127.0.0.1:8765", { level: 1, discover: "" }), "http://127.0.0.1:8765/read?level=1");
  assert.equal(P.isReaderUrl("http://127.0.0.1:8765/read?level=2", "http://127.0.0.1:8765"), true);
  assert.equal(P.isReaderUrl("http://127.0.0.1:8766/read", "http://127.0.0.1:8765"), false);
  assert.equal(P.fileName("https://example.org/papers/My%20Paper.pdf"), "My Paper.pdf");
  assert.equal(P.fileName("https://arxiv.org/pdf/2106.09685v2"), "2106.09685v2.pdf");
});

test("the arXiv option is off by default and only a boolean turns it on", () => {
  assert.equal(S.DEFAULTS.arxivReader, false);
  assert.equal(S.migrate(undefined).arxivReader, false);
  assert.equal(S.migrate({ version: 1, arxivReader: "yes" }).arxivReader, false);
  assert.equal(S.migrate({ version: 1, arxivReader: true }).arxivReader, true);
});
