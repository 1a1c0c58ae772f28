import { readdirSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { KINDS } from "../../src/kinds.ts";
import { RESOURCES } from "../../src/plugin/resources.ts";
import { providers } from "../../src/providers.ts";

const SRC = new URL("../../src/", import.meta.url);
const sourcesOf = (folder: string) =>
  readdirSync(new URL(`${folder}/`, SRC))
    .filter((file) => file.endsWith(".ts"))
    .map((file) => ({
      file: `src/${folder}/${file}`,
      text: readFileSync(new URL(`${folder}/${file}`, SRC), "utf8"),
    }));

describe("the kind registry (src/kinds.ts)", () => {
  it("src/core and src/plugin name no kind: what a kind knows lives in its own folder", () => {
    const modules = [...new Set(KINDS.map((kind) => kind.vendor))];
    expect(modules.length).toBeGreaterThanOrEqual(3);
    // A module named with a word of the protocols core implements for every kind ("registry": the Docker
    // Registry token protocol, src/core/docker-token-protocol.ts) is found by the forms that name the kind:
    // its folder, its quoted name, its type token.
    const vocabulary = new Set(["registry"]);
    const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
    const forms = KINDS.filter((kind) => vocabulary.has(kind.vendor)).flatMap((kind) =>
      [
        `${kind.vendor}/`,
        `"${kind.vendor}"`,
        `${kind.vendor}:${kind.type}`,
        `${kind.vendor}.${kind.type}`,
      ].map(escape),
    );
    // Each module name, and the product names the kinds' titles start with (e.g. NetBird, Gcore).
    const names = [
      ...modules.filter((name) => !vocabulary.has(name)),
      ...KINDS.filter((kind) => !vocabulary.has(kind.vendor)).map(
        (kind) => kind.title.split(" ")[0] as string,
      ),
    ];
    const pattern = new RegExp(`(?<![A-Za-z])(${[...new Set(names)].join("|")})|${forms.join("|")}`, "i");
    const found = [...sourcesOf("core"), ...sourcesOf("plugin")].flatMap(({ file, text }) =>
      text
        .split("\n")
        .map((line, index) => ({ line, index }))
        .filter(({ line }) => pattern.test(line))
        .map(({ line, index }) => `${file}:${index + 1}: ${line.trim()}`),
    );
    expect(found).toEqual([]);
  });

  it("each kind has its own module folder with a kind.ts, a class file and a unique type token", () => {
    const tokens = KINDS.map((kind) => `${kind.vendor}:${kind.type}`);
    expect(new Set(tokens).size).toBe(KINDS.length);
    for (const kind of KINDS) {
      expect(readdirSync(new URL(`${kind.vendor}/`, SRC))).toContain("kind.ts");
      expect(kind.classSource.startsWith(`${kind.vendor}/`)).toBe(true);
      expect(readFileSync(new URL(kind.classSource, SRC), "utf8")).toContain(`export class ${kind.type} `);
      expect(RESOURCES[`tokens:${kind.vendor}:${kind.type}`]?.provider).toBe(kind.provider);
      expect(Object.keys(providers)).toContain(kind.vendor);
      expect(kind.settings.vendor).toBe(kind.vendor);
    }
  });

  it("a kind's outputs are the sets the provider and the class agree on", () => {
    for (const kind of KINDS) {
      for (const key of [...kind.secretOutputs, ...kind.rotatedOutputs]) expect(kind.outputs).toContain(key);
      const inputs = Object.keys(kind.provider.details.inputSchema().shape);
      for (const key of kind.secretInputs) expect(inputs).toContain(key);
      for (const key of Object.keys(kind.objectTypes ?? {})) expect(kind.outputs).toContain(key);
    }
  });
});
