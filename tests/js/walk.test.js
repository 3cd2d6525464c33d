// Unit checks of extension/content/walk.js's element rules, on stand-in nodes (Node has no DOM;
// the walk over real pages is compared with the service's in tests/browser/extension).
"use strict";
const test = require("node:test");
const assert = require("node:assert/strict");
const fs = require("node:fs");
const path = require("node:path");
const repo = path.join(__dirname, "..", "..");
const walk = require(path.join(repo, "extension", "content", "walk.js"));

/** A stand-in element: what the rules read of one (nodeType, localName, getAttribute). */
function el(localName, attrs = {}) {
  return { nodeType: 1, localName, getAttribute: (name) => (name in attrs ? attrs[name] : null) };
}
function textAfter(prev, parent = el("p")) {
  return { nodeType: 3, data: "x", previousSibling: prev, parentNode: parent };
}

/** The names in a Python `NAME = frozenset({...})` of server/tadoru/text/visible.py. */
function pythonSet(source, name) {
  const m = source.match(new RegExp(`^${name} = frozenset\\(\\{([\\s\\S]*?)\\}\\)`, "m"));
  assert.ok(m, `${name} not found in visible.py`);
  const body = m[1].replace(/#.*$/gm, ""); // comments quote examples ("Figure 1:"), not names
  return new Set(Array.from(body.matchAll(/"([^"]+)"/g), (x) => x[1]));
}

test("the lists are visible.py's, name for name", () => {
  const source = fs.readFileSync(path.join(repo, "server", "tadoru", "text", "visible.py"), "utf8");
  for (const name of ["SKIP_TAGS", "BLOCK_TAGS", "LATEXML_SKIP_CLASSES", "LATEXML_KEEP_CLASSES"]) {
    assert.deepEqual(new Set(walk[name]), pythonSet(source, name), name);
  }
});

test("LaTeXML apparatus is skipped by whole class name; captions, notes and \\href links are not", () => {
  const cases = [
    ["ltx_cite ltx_citemacro_citep", true],
    ["ltx_ref", true],
    ["ltx_ref ltx_href", false],
    ["ltx_ref ltx_nolink ltx_path ltx_font_typewriter", true],
    ["ltx_tag ltx_tag_figure", true],
    ["ltx_caption ltx_centering", false],
    ["ltx_note ltx_role_footnote", false],
    ["ltx_note_mark", true],
    ["ltx_equation ltx_eqn_table", true],
    ["ltx_equationgroup ltx_eqn_align ltx_eqn_table", true],
    ["ltx_bibliography", true],
    ["ltx_authors", true],
    ["ltx_dates", true],
    ["ltx_page_footer", true],
    ["\tltx_listing\nltx_framed ", true],
    ["ltx_p", false],
    ["ltx_tabular ltx_centering", false],
    ["xltx_cite ltx_citeX cite ref tag bibliography", false],
    ["", false],
  ];
  for (const [cls, skipped] of cases) {
    assert.equal(walk.latexmlSkipped(el("span", { class: cls })), skipped, cls);
    assert.equal(walk.isSkippedElement(el("span", { class: cls })), skipped, cls);
  }
  assert.equal(walk.latexmlSkipped(el("span")), false);
  assert.equal(walk.isSkippedElement(el("cite")), false, "a plain <cite> is prose");
  assert.equal(walk.isSkippedElement(el("math")), true);
});

test("a formula or a skipped LaTeXML part is a word break; inline markup is not", () => {
  assert.equal(walk.breakBefore(textAfter(el("math"))), true, "neural<math>…</math>network");
  assert.equal(walk.breakBefore(textAfter(el("cite", { class: "ltx_cite ltx_citemacro_cite" }))), true);
  assert.equal(walk.breakBefore(textAfter(el("sup", { class: "ltx_note_mark" }))), true);
  assert.equal(walk.breakBefore(textAfter(el("a", { class: "ltx_ref ltx_href" }))), false);
  assert.equal(walk.breakBefore(textAfter(el("span", { class: "ltx_text" }))), false);
  assert.equal(walk.breakBefore(textAfter(el("b"))), false);
  assert.equal(walk.breakBefore(textAfter(null, el("figcaption", { class: "ltx_caption" }))), true);
});

test("the density lists are sections.py's, name for name, and the class rule is the same pattern", () => {
  const source = fs.readFileSync(path.join(repo, "server", "tadoru", "text", "sections.py"), "utf8");
  for (const name of ["HEADING_TAGS", "FURNITURE_TAGS", "FURNITURE_ROLES", "FURNITURE_RELS"]) {
    assert.deepEqual(new Set(walk[name]), pythonSet(source, name), name);
  }
  const m = source.match(/FURNITURE_CLASS = re\.compile\(\s*r"([^"]+)"\s*r"([^"]+)"/);
  assert.ok(m, "FURNITURE_CLASS not found in sections.py");
  assert.equal(walk.FURNITURE_CLASS.source, m[1] + m[2]);
});

test("furniture: navigation, roles, bylines, tag lists and tables of contents; not prose that mentions them", () => {
  const furniture = [
    el("nav"), el("aside"), el("footer"), el("header"), el("address"),
    el("div", { role: "navigation" }), el("div", { role: " Complementary " }),
    el("p", { class: "byline" }), el("div", { class: "post-meta" }), el("ul", { class: "tag-list" }),
    el("p", { class: "tags" }), el("nav", { class: "toc" }), el("div", { class: "share_buttons" }),
    el("a", { rel: "tag" }), el("a", { rel: "noopener author" }),
  ];
  for (const e of furniture) assert.equal(walk.isFurniture(e), true, JSON.stringify(e.getAttribute("class")));
  const prose = [
    el("p"), el("section"), el("article"), el("div", { class: "metadata-free content" }),
    el("div", { class: "authoring-guide" }), el("p", { class: "vintage" }), el("div", { role: "main" }),
    el("a", { rel: "noopener" }),
  ];
  for (const e of prose) assert.equal(walk.isFurniture(e), false, JSON.stringify(e.getAttribute("class")));
});
