// Lint of the console (browser ES modules) and its browser tests (node).
import js from "@eslint/js";
import globals from "globals";

export default [
  { ignores: ["node_modules/", "target/", "web/chat/", "web/app.js"] },
  js.configs.recommended,
  {
    files: ["web/console/**/*.js", "web/api-docs/**/*.js"],
    languageOptions: { ecmaVersion: 2023, sourceType: "module", globals: { ...globals.browser } },
    rules: {
      "no-unused-vars": ["error", { argsIgnorePattern: "^_" }],
      eqeqeq: "error",
      "no-restricted-properties": ["error",
        { property: "innerHTML", message: "customer text goes in through textContent" },
        { property: "outerHTML", message: "customer text goes in through textContent" }],
      "no-restricted-syntax": ["error",
        { selector: "CallExpression[callee.property.name='insertAdjacentHTML']", message: "no HTML strings" },
        { selector: "CallExpression[callee.name='eval']", message: "no eval" }],
    },
  },
  {
    files: ["tests/browser/**/*.js", "eslint.config.js"],
    languageOptions: { ecmaVersion: 2023, sourceType: "module", globals: { ...globals.node, ...globals.browser } },
  },
];
