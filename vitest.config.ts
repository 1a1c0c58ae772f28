import { defineConfig } from "vitest/config";

/**
 * Unit tests: no Pulumi engine and no real server (the emulators on loopback are fine), under a minute.
 * `npm run test:unit` runs this project; `npm test` runs both. Tests against the engine or a real server
 * live outside these folders (test/e2e, test/real, …).
 */
const UNIT = [
  "test/core/**/*.test.ts",
  "test/docs/**/*.test.ts",
  "test/emulator/**/*.test.ts",
  "test/gcore/**/*.test.ts",
  "test/icp/**/*.test.ts",
  "test/netbird/**/*.test.ts",
  "test/registry/**/*.test.ts",
  "test/plugin/provider.test.ts",
  "test/plugin/resources.test.ts",
];

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
      { extends: true, test: { name: "unit", include: UNIT } },
      {
        extends: true,
        test: { name: "engine", include: ["test/**/*.test.ts"], exclude: [...UNIT, OPT_IN] },
      },
      // Long measurements, run on request only (`npm run test:rate-limit-100`).
      ...(process.env.PULUMI_TOKENS_OPT_IN === "1"
        ? [{ extends: true, test: { name: "opt-in", include: [OPT_IN] } }]
        : []),
    ],
  },
});
