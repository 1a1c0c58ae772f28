// The generic bad-input corpus, derived from the kind registry (src/kinds.ts): for every input of every kind, a
// value of the wrong type, and a mistyped input name carrying a secret. `check` must refuse each one naming the
// property in its reason (never to the engine, which would print the value), echo no value, and call no API.
import { z } from "zod";
import { describe, expect, it } from "vitest";
import { settingEntries } from "../../src/core/kind.ts";
import { KINDS } from "../../src/kinds.ts";
import { useEmulator } from "../harness/emulator.ts";

const emu = useEmulator();
const SECRET = "s3cr3t-corpus-VALUE-4711";

type JsonProperty = { type?: string; anyOf?: JsonProperty[] };

/** A value of another type than the property's, and one that no schema accepts as a secret's text. */
function wrongValueFor(property: JsonProperty): unknown {
  const type = property.type ?? property.anyOf?.find((option) => option.type !== "null")?.type;
  switch (type) {
    case "string":
      return 4711;
    case "integer":
    case "number":
      return "4711x";
    case "boolean":
      return "yes";
    case "array":
      return { not: "a list" };
    default:
      return Symbol.for("unrepresentable").toString();
  }
}

describe.each(KINDS.map((kind) => [`${kind.vendor}.${kind.type}`, kind] as const))(
  "%s: check",
  (_name, kind) => {
    const inputs = z.toJSONSchema(kind.provider.details.inputSchema(), {
      io: "input",
      unrepresentable: "any",
    }) as {
      properties: Record<string, JsonProperty>;
    };
    const envNames = settingEntries(kind).map(([, setting]) => setting.env);

    const check = async (news: Record<string, unknown>) => {
      const saved = envNames.map((name) => [name, process.env[name]] as const);
      for (const name of envNames) delete process.env[name];
      try {
        const result = await kind.provider.check?.({}, news);
        return result?.failures ?? [];
      } finally {
        for (const [name, value] of saved)
          if (value === undefined) delete process.env[name];
          else process.env[name] = value;
      }
    };

    it.each(Object.entries(inputs.properties))(
      "refuses a wrongly typed %s, naming it",
      async (key, property) => {
        emu.clearRequests();
        const failures = await check({ [key]: wrongValueFor(property) });
        expect(failures.length).toBeGreaterThan(0);
        expect(failures.some((failure) => failure.reason.includes(`"${key}"`))).toBe(true);
        expect(failures.every((failure) => failure.property === "")).toBe(true);
        expect(emu.requests).toEqual([]);
      },
    );

    it("refuses a mistyped input name without echoing its (secret) value", async () => {
      const [first] = Object.keys(inputs.properties);
      const typo = `${first}Typo`;
      const failures = await check({ [typo]: SECRET });
      expect(failures).toContainEqual({ property: "", reason: `"${typo}" is not an input of this resource` });
      expect(JSON.stringify(failures)).not.toContain(SECRET);
      expect(emu.requests).toEqual([]);
    });
  },
);
