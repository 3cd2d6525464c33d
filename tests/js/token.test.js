// Unit checks of the service token setting (extension/shared/settings.js).
"use strict";
const test = require("node:test");
const assert = require("node:assert/strict");
const path = require("node:path");
const S = require(path.join(__dirname, "..", "..", "extension", "shared", "settings.js"));

test("the service token defaults to none and keeps a valid value, trimmed", () => {
  assert.equal(S.migrate(undefined).serviceToken, "");
  assert.equal(S.validate({ serviceToken: "  s3cr3t-Token_value.x  " }).serviceToken, "s3cr3t-Token_value.x");
  assert.equal(S.normalizeToken(undefined), "");
});

test("a token an HTTP header cannot carry falls back to none", () => {
  for (const bad of ["with space", "tab\tinside", "日本語のトークン", "x".repeat(513), 42, { a: 1 }]) {
    assert.equal(S.normalizeToken(bad), null, String(bad));
    assert.equal(S.validate({ serviceToken: bad }).serviceToken, "");
  }
});
