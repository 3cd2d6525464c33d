// Unit checks of the pure parts of extension/content/anchor.js (quote and position anchoring).
"use strict";
const test = require("node:test");
const assert = require("node:assert/strict");
const path = require("node:path");
const ext = path.join(__dirname, "..", "..", "extension");
globalThis.TadoruOffsets = require(path.join(ext, "content", "offsets.js"));
const { anchorByQuote, anchorByPosition, piecesOf } = require(path.join(ext, "content", "anchor.js"));
const { OffsetMap } = globalThis.TadoruOffsets;

test("position anchoring converts code points and checks exact", () => {
  const text = "😀 LoRA adapters";
  const map = new OffsetMap(text);
  assert.deepEqual(anchorByPosition(text, map, { start: 2, end: 6, exact: "LoRA" }), { start: 3, end: 7 });
  assert.equal(anchorByPosition(text, map, { start: 1, end: 5, exact: "LoRA" }), null);
});

test("the quote picks the occurrence whose prefix and suffix match", () => {
  const text = "LoRA is cheap. We fine-tune with LoRA and QLoRA. LoRA again.";
  const second = text.indexOf("LoRA", 5);
  const got = anchorByQuote(text, { exact: "LoRA", prefix: "fine-tune with ", suffix: " and QLoRA" }, 0);
  assert.deepEqual(got, { start: second, end: second + 4 });
});

test("without context the occurrence nearest the hint wins", () => {
  const text = "RAG ... RAG ... RAG";
  assert.equal(anchorByQuote(text, { exact: "RAG" }, 9).start, 8);
  assert.equal(anchorByQuote(text, { exact: "RAG" }, 100).start, 16);
});

test("an exact that does not occur anchors nowhere", () => {
  assert.equal(anchorByQuote("nothing here", { exact: "LoRA", prefix: "", suffix: "" }, 0), null);
  assert.equal(anchorByQuote("nothing here", { exact: "" }, 0), null);
});

test("pieces split a range across text nodes", () => {
  const snapshot = {
    nodes: [
      { node: "A", start: 0, end: 5 },
      { node: "B", start: 5, end: 9 },
      { node: "C", start: 9, end: 20 },
    ],
  };
  assert.deepEqual(
    piecesOf(snapshot, 3, 11).map((p) => [p.node, p.start, p.end]),
    [["A", 3, 5], ["B", 0, 4], ["C", 0, 2]]
  );
  assert.deepEqual(piecesOf(snapshot, 5, 9).map((p) => p.node), ["B"]);
});
