// docs/configuration.md's settings table is written for readers, by hand: it must name every setting of every kind
// of src/kinds.ts, with its input, stack config key and environment variable, so that a new kind or setting
// cannot leave it behind.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { settingEntries } from "../../src/core/kind.ts";
import { KINDS } from "../../src/kinds.ts";

const table = readFileSync(new URL("../../docs/configuration.md", import.meta.url), "utf8")
  .split("\n")
  .filter((line) => line.startsWith("| "));

describe("docs/configuration.md", () => {
  const settings = KINDS.flatMap((kind) =>
    settingEntries(kind).map(([property, setting]) => ({ property, ...setting })),
  );

  it.each(settings.map((setting) => [setting.configKey, setting] as const))(
    "lists %s with its input and environment variable",
    (_key, setting) => {
      const row = table.find((line) => line.includes(`\`${setting.configKey}\``));
      expect(row, `no row names ${setting.configKey}`).toBeDefined();
      expect(row).toContain(`\`${setting.env}\``);
      expect(row).toContain(setting.resourceInput === false ? "| – |" : `\`${setting.property}\``);
    },
  );
});
