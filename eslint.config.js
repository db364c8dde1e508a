// ESLint for the published site's browser scripts (site/*.js): classic scripts (no modules) with the
// browser's globals and ESLint's recommended rules. .ci/run installs ESLint into a temporary folder and
// points NODE_PATH at it; nothing here is a dependency of the archive itself.
"use strict";

const js = require("@eslint/js");
const globals = require("globals");

module.exports = [
  {
    files: ["site/**/*.js"],
    ...js.configs.recommended,
    languageOptions: {
      ecmaVersion: "latest",
      sourceType: "script",
      globals: { ...globals.browser },
    },
  },
  {
    files: ["eslint.config.js"],
    languageOptions: { sourceType: "commonjs", globals: { ...globals.node } },
  },
];
