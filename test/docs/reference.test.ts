// docs/reference.md is generated from src/plugin/schema.json (scripts/gen-reference.ts): the checked-in page
// must be what the generator makes of the checked-in schema, and the page must show what the schema says.
import { readFile } from "node:fs/promises";
import { describe, expect, it } from "vitest";
import {
  type PackageSchema,
  REFERENCE_FILE,
  referenceFileText,
  referenceText,
  SCHEMA_FILE,
} from "../../scripts/gen-reference.ts";

const schema = JSON.parse(await readFile(SCHEMA_FILE, "utf8")) as PackageSchema;

/** The table row of one property in the section that follows `heading`. */
function row(text: string, heading: string, property: string): string | undefined {
  const section = text.slice(text.indexOf(`\n${heading}\n`));
  expect(section.length, `no section ${heading}`).toBeLessThan(text.length);
  return section.split("\n").find((line) => line.startsWith(`| \`${property}\` |`));
}

describe("docs/reference.md", () => {
  it("is what npm run docs makes of src/plugin/schema.json", { timeout: 10_000 }, async () => {
    const current = await readFile(REFERENCE_FILE, "utf8");
    expect(current === referenceFileText(), "docs/reference.md is out of date: run npm run docs").toBe(true);
  });

  it("changes when the schema does", { timeout: 10_000 }, () => {
    const changed = structuredClone(schema);
    const pat = changed.resources["tokens:netbird:PersonalAccessToken"]!;
    pat.inputProperties = {
      ...pat.inputProperties,
      newInput: { type: "integer", description: "A new input.", default: 5, willReplaceOnChanges: true },
    };
    const text = referenceText(changed);
    expect(text).not.toBe(referenceText(schema));
    expect(row(text, "### Inputs", "newInput")).toBe(
      "| `newInput` | integer | replaces | A new input. Default: `5`. |",
    );
  });

  it(
    "shows every resource's inputs and outputs with their secret and required flags",
    { timeout: 10_000 },
    () => {
      const text = referenceText(schema);
      for (const [token, resource] of Object.entries(schema.resources)) {
        const [, module, name] = token.split(":");
        const heading = `## ${module}.${name} (\`${token}\`)`;
        const part = text.slice(text.indexOf(heading));
        expect(text).toContain(heading);
        for (const [kind, properties, required] of [
          ["### Inputs", resource.inputProperties ?? {}, resource.requiredInputs ?? []],
          ["### Outputs", resource.properties ?? {}, resource.required ?? []],
        ] as const) {
          for (const [property, spec] of Object.entries(properties)) {
            const line = row(part, kind, property);
            expect(line, `${token} ${kind} ${property}`).toBeDefined();
            const flags = line!.split(" | ")[2]!;
            expect(flags.includes("**secret**"), `${token} ${property} secret`).toBe(spec.secret === true);
            expect(flags.includes("required"), `${token} ${property} required`).toBe(
              required.includes(property),
            );
          }
        }
      }
      for (const [key, spec] of Object.entries(schema.config?.variables ?? {})) {
        const line = row(text, "## Provider configuration", key);
        expect(line, key).toBeDefined();
        expect(line!.split(" | ")[2]!.includes("**secret**"), `${key} secret`).toBe(spec.secret === true);
      }
    },
  );

  it("keeps a description with | or line breaks on one table row", { timeout: 10_000 }, () => {
    const text = referenceText({
      name: "tokens",
      resources: {
        "tokens:x:Y": { inputProperties: { a: { type: "string", description: "one | two\n  three" } } },
      },
    });
    expect(row(text, "### Inputs", "a")).toBe("| `a` | string |  | one \\| two three |");
  });
});
