// Unit checks of extension/content/offsets.js: code points (the API) ↔ UTF-16 (the DOM).
// Run with: node --test tests/js
"use strict";
const test = require("node:test");
const assert = require("node:assert/strict");
const path = require("node:path");
const { OffsetMap, utf16Offset, codePointOffset, codePointLength } = require(
  path.join(__dirname, "..", "..", "extension", "content", "offsets.js")
);

/** Reference conversion by brute force: walk the string code point by code point. */
function reference(text) {
  const cpToU16 = [0];
  let u16 = 0;
  for (const ch of text) {
    u16 += ch.length;
    cpToU16.push(u16);
  }
  return cpToU16;
}

const CASES = [
  "",
  "plain ASCII text about LoRA",
  "日本語のテキストでファインチューニング",
  "😀 LoRA",
  "😀😀😀 fine-tuning",
  "𠮷野家で大規模言語モデル",
  "a👩‍💻b LoRA 🇯🇵 RAG",
  "\uD800 lone high then LoRA",
  "lone low \uDC00 then LoRA",
  "\uDC00\uD800 reversed halves",
  "\uD83D\uDE00\uD83D", // a pair then a dangling high surrogate
  "mixed 😀 text 𠮷 with 🎉 several 💡 astral 🚀 chars",
];

test("every code-point offset maps to the UTF-16 offset of the same character", () => {
  for (const text of CASES) {
    const map = new OffsetMap(text);
    const ref = reference(text);
    assert.equal(map.lengthCp, ref.length - 1, `length of ${JSON.stringify(text)}`);
    assert.equal(codePointLength(text), ref.length - 1);
    ref.forEach((u16, cp) => {
      assert.equal(map.toUtf16(cp), u16, `toUtf16(${cp}) in ${JSON.stringify(text)}`);
      assert.equal(map.toCodePoint(u16), cp, `toCodePoint(${u16}) in ${JSON.stringify(text)}`);
      assert.equal(utf16Offset(text, cp), u16);
      assert.equal(codePointOffset(text, u16), cp);
    });
  }
});

test("a slice by converted offsets is the term the API meant", () => {
  const text = "😀🎉 Using LoRA and 𠮷 RAG";
  const cps = Array.from(text);
  const start = cps.indexOf("L");
  const map = new OffsetMap(text);
  assert.equal(text.slice(map.toUtf16(start), map.toUtf16(start + 4)), "LoRA");
  const r = cps.lastIndexOf("R");
  assert.equal(text.slice(map.toUtf16(r), map.toUtf16(r + 3)), "RAG");
});

test("an offset inside a surrogate pair rounds down to the pair's start", () => {
  const text = "a😀b";
  const map = new OffsetMap(text);
  assert.equal(map.toCodePoint(2), 1); // between \uD83D and \uDE00
  assert.equal(map.toCodePoint(3), 2);
});

test("out-of-range and non-numeric offsets are clamped", () => {
  const map = new OffsetMap("ab😀");
  assert.equal(map.toUtf16(-5), 0);
  assert.equal(map.toUtf16(99), 4);
  assert.equal(map.toUtf16(NaN), 0);
  assert.equal(map.toCodePoint(99), 3);
  assert.equal(map.toCodePoint(-1), 0);
});

test("long text with many pairs matches the brute-force reference", () => {
  let text = "";
  for (let i = 0; i < 3000; i++) text += i % 7 === 0 ? "😀" : i % 11 === 0 ? "\uD800" : String.fromCharCode(0x3041 + (i % 80));
  const map = new OffsetMap(text);
  const ref = reference(text);
  for (let cp = 0; cp < ref.length; cp += 13) assert.equal(map.toUtf16(cp), ref[cp]);
  for (let cp = 0; cp < ref.length; cp += 17) assert.equal(map.toCodePoint(ref[cp]), cp);
});
