// Unit checks of extension/shared/settings.js and known.js (pure functions only).
"use strict";
const test = require("node:test");
const assert = require("node:assert/strict");
const path = require("node:path");
const shared = path.join(__dirname, "..", "..", "extension", "shared");
const S = require(path.join(shared, "settings.js"));
const K = require(path.join(shared, "known.js"));

test("missing or broken settings come back as valid defaults", () => {
  assert.deepEqual(S.migrate(undefined), { ...S.DEFAULTS, sites: [] });
  const bad = S.migrate({ version: 1, level: 9, definitionLang: "fr", serviceUrl: "javascript:alert(1)", firstOnly: "yes", density: "loud", siteMode: "x", sites: "a" });
  assert.deepEqual(bad, { ...S.DEFAULTS, sites: [] });
});

test("density is calm by default; a stored first-occurrence choice from before density is kept", () => {
  assert.equal(S.migrate(undefined).density, "calm");
  assert.equal(S.migrate({ version: 1, firstOnly: true }).density, "first");
  assert.equal(S.migrate({ version: 1, firstOnly: false }).density, "calm");
  assert.equal(S.migrate({ version: 1, density: "all", firstOnly: true }).density, "all");
  assert.equal("firstOnly" in S.migrate({ version: 1, firstOnly: true }), false);
});

test("settings from before versions are migrated and kept", () => {
  const got = S.migrate({ level: 2, serviceUrl: "http://localhost:9000/", sites: ["https://Example.com/path", "*.blog.jp"] });
  assert.equal(got.version, S.VERSION);
  assert.equal(got.level, 2);
  assert.equal(got.serviceUrl, "http://localhost:9000");
  assert.deepEqual(got.sites, ["example.com", "blog.jp"]);
});

test("site switches cover subdomains in both modes", () => {
  const all = S.validate({ siteMode: "all", sites: ["example.com"] });
  assert.equal(S.siteEnabled(all, "example.com"), false);
  assert.equal(S.siteEnabled(all, "news.example.com"), false);
  assert.equal(S.siteEnabled(all, "notexample.com"), true);
  const on = S.withSite(all, "example.com", true);
  assert.equal(S.siteEnabled(on, "example.com"), true);
  const listed = S.validate({ siteMode: "listed", sites: [] });
  assert.equal(S.siteEnabled(listed, "qiita.com"), false);
  assert.equal(S.siteEnabled(S.withSite(listed, "qiita.com", true), "qiita.com"), true);
});

test("definition language: auto follows the browser", () => {
  assert.equal(S.definitionLang("auto", "ja"), "ja");
  assert.equal(S.definitionLang("auto", "ja-JP"), "ja");
  assert.equal(S.definitionLang("auto", "en-US"), "en");
  assert.equal(S.definitionLang("auto", "de"), "en");
  assert.equal(S.definitionLang("en", "ja"), "en");
});

test("known files: the format of known.py, malformed ones refused", () => {
  assert.deepEqual(K.parseKnownText('{"format":"tadoru-known","version":1,"known":["lora"," gpu ","lora"]}'), ["lora", "gpu"]);
  assert.deepEqual(K.parseKnownText('\uFEFF["dataset"]'), ["dataset"]);
  assert.throws(() => K.parseKnownText("{not json"), /not valid JSON/);
  assert.throws(() => K.parseKnownText('{"format":"other","known":[]}'), /not a known-terms file/);
  assert.throws(() => K.parseKnownText('{"version":2,"known":[]}'), /unsupported version/);
  assert.throws(() => K.parseKnownText('{"known":[1,2]}'), /expected/);
  assert.deepEqual(K.knownDocument(["b", "a", "b"]), { format: "tadoru-known", version: 1, known: ["a", "b"] });
});

test("service URLs: normalised, and their host-permission pattern covers every port", () => {
  assert.equal(S.normalizeServiceUrl(" http://127.0.0.1:8765/ "), "http://127.0.0.1:8765");
  assert.equal(S.normalizeServiceUrl("https://tadoru.example.org/base/"), "https://tadoru.example.org/base");
  assert.equal(S.normalizeServiceUrl("ftp://x"), null);
  assert.equal(S.normalizeServiceUrl("http://user:pw@host/"), null);
  assert.equal(S.originPattern("http://127.0.0.1:8765"), "http://127.0.0.1/*");
  assert.equal(S.originPattern("https://tadoru.example.org/base"), "https://tadoru.example.org/*");
});

test("candidate search links: Wikipedia in the page's language by default, or the reader's template", () => {
  assert.equal(S.searchLink("", "KTO", "en"), "https://en.wikipedia.org/w/index.php?search=KTO");
  assert.equal(S.searchLink("", "教師モデル", "ja"), "https://ja.wikipedia.org/w/index.php?search=%E6%95%99%E5%B8%AB%E3%83%A2%E3%83%87%E3%83%AB");
  assert.equal(S.searchLink("https://duckduckgo.com/?q={q}&ia=web", "a&b c", "en"), "https://duckduckgo.com/?q=a%26b%20c&ia=web");
  assert.equal(S.normalizeSearchUrl(" https://example.org/s?q={q} "), "https://example.org/s?q={q}");
  assert.equal(S.normalizeSearchUrl("javascript:alert({q})"), null); // never a link that runs code
  assert.equal(S.normalizeSearchUrl("https://example.org/search"), null); // nowhere to put the word
  assert.equal(S.searchLink("javascript:alert({q})", "x", "en"), "https://en.wikipedia.org/w/index.php?search=x");
  assert.equal(S.validate({ searchUrl: "data:text/html,{q}" }).searchUrl, "");
  assert.equal(S.validate({}).discover, "names"); // the kinds whose held-out precision meets the target (README)
  assert.equal(S.validate({ discover: true }).discover, "all"); // stored when it was a checkbox
  assert.equal(S.validate({ discover: false }).discover, "off");
  assert.equal(S.validate({ discover: "nouns" }).discover, "names");
  assert.deepEqual(S.discoverRequest("names"), ["definition", "acronym"]);
  assert.equal(S.discoverRequest("all"), true);
  assert.equal(S.discoverRequest("off"), false);
});

test("highlights are tinted by level unless the reader switches it off", () => {
  assert.equal(S.validate({}).tint, true);
  assert.equal(S.validate({ tint: false }).tint, false);
  assert.equal(S.validate({ tint: "no" }).tint, true); // not a boolean: the default
});

test("the looked-up history keeps one entry per term, newest first, bounded", () => {
  const items = [{ id: "lora", at: 3 }, { id: "gpu", at: 2 }, { id: "lora", at: 1 }, { id: 5 }, null, { id: " " }];
  assert.deepEqual(S.cleanHistory(items), [{ id: "lora", at: 3 }, { id: "gpu", at: 2 }]);
  const many = Array.from({ length: S.HISTORY_MAX + 50 }, (_, i) => ({ id: `t${i}`, at: i }));
  assert.equal(S.cleanHistory(many).length, S.HISTORY_MAX);
  assert.deepEqual(S.cleanHistory("nope"), []);
});

test("the learning list exports as an Anki file with the CLI's columns, fields kept on one line", () => {
  const cards = [
    { id: "lora", label: { en: "LoRA", ja: "LoRA" }, definition: { en: "A cheap\tway\nto fine-tune.", ja: "軽い微調整" },
      level: 3, category: "training" },
    { id: "model", label: { en: "model", ja: "モデル" }, definition: { en: "What gets trained.", ja: "学習させる対象" },
      level: 1, category: "basics" },
    { label: { en: "no id" } },
  ];
  const lines = S.ankiDeck(cards, "ja").trimEnd().split("\n");
  assert.deepEqual(lines.slice(0, 4), ["#separator:tab", "#html:false", "#columns:Front\tBack\tTags", "#tags column:3"]);
  assert.equal(lines.length, 6);
  assert.deepEqual(lines[4].split("\t"), ["LoRA", "軽い微調整", "tadoru tadoru::learning tadoru::training tadoru::level3 tadoru::ja"]);
  assert.deepEqual(lines[5].split("\t").slice(0, 2), ["モデル", "学習させる対象 (model)"]);
  const en = S.ankiDeck(cards.slice(0, 1), "en").trimEnd().split("\n");
  assert.deepEqual(en[4].split("\t").slice(0, 2), ["LoRA", "A cheap way to fine-tune."]);
});
