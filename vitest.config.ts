import { defineConfig } from "vitest/config";

/**
 * The test projects. `npm test` runs them all; each runs alone with `vitest run --project <name>`:
 *
 * - `unit`: no Pulumi engine and no real server (the emulators on loopback are fine), under a minute
 *   (`npm run test:unit`). Everything not listed below is a unit test, so a new kind's `test/<module>/` is one.
 * - `e2e`: the dynamic resources through the real engine, against the emulators and the real servers (test/e2e).
 * - `plugin`: the provider plugin through the engine, its schema and SDKs, other languages, YAML.
 * - `examples`: the examples and pipelines as users run them, installation, the benchmark smoke tests.
 */
const GROUPS = {
  e2e: ["test/e2e/**/*.test.ts"],
  plugin: [
    "test/plugin/e2e.test.ts",
    "test/plugin/schema.test.ts",
    "test/languages/**/*.test.ts",
    "test/yaml/**/*.test.ts",
  ],
  examples: ["test/examples/**/*.test.ts", "test/install/**/*.test.ts", "test/bench/**/*.test.ts"],
};

/** Opt-in tests: not part of `npm test`. */
const OPT_IN = "test/**/*.optin.test.ts";

export default defineConfig({
  test: {
    setupFiles: ["test/setup.ts"],
    // Engine tests mostly wait on child processes (the CLI, plugins, servers, rate limits): three files
    // at a time keep two cores busy; vitest's default (cores − 1) ran them one after another.
    maxWorkers: 3,
    testTimeout: 30_000,
    hookTimeout: 60_000,
    projects: [
      {
        extends: true,
        test: {
          name: "unit",
          include: ["test/**/*.test.ts"],
          exclude: [...Object.values(GROUPS).flat(), OPT_IN],
        },
      },
      ...Object.entries(GROUPS).map(([name, include]) => ({
        extends: true,
        test: { name, include, exclude: [OPT_IN] },
      })),
      // Long measurements, run on request only (`npm run test:rate-limit-100`).
      ...(process.env.PULUMI_TOKENS_OPT_IN === "1"
        ? [{ extends: true, test: { name: "opt-in", include: [OPT_IN] } }]
        : []),
    ],
  },
});
