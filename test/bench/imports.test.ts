// bench/ shares one module with test/: the engine harness (test/harness/engine.ts, which runs Pulumi
// programs on a throwaway file backend). Nothing else of test/ may leak into the bench.
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { describe, expect, it } from "vitest";

const ROOT = resolve(import.meta.dirname, "../..");

/** The repository-relative paths of the relative imports (static and dynamic) of a TypeScript file. */
function importsOf(file: string): string[] {
  const text = readFileSync(file, "utf8");
  const specifiers = [...text.matchAll(/(?:from|import\()\s*"(\.{1,2}\/[^"]+)"/g)].map((match) => match[1]!);
  return specifiers.map((specifier) => relative(ROOT, resolve(dirname(file), specifier)));
}

function typeScriptFiles(directory: string): string[] {
  return readdirSync(directory, { recursive: true, encoding: "utf8" })
    .filter((name) => name.endsWith(".ts"))
    .map((name) => join(directory, name));
}

describe("what bench/ takes from test/", () => {
  it("is the engine harness alone, which takes nothing from test/ but the CLI's location", () => {
    const fromTest = new Set(
      typeScriptFiles(join(ROOT, "bench"))
        .flatMap(importsOf)
        .filter((path) => path.startsWith("test/")),
    );
    expect([...fromTest]).toEqual(["test/harness/engine.ts"]);
    expect(importsOf(join(ROOT, "test/harness/engine.ts"))).toEqual(["test/harness/cli-path.ts"]);
    expect(importsOf(join(ROOT, "test/harness/cli-path.ts"))).toEqual([]);
  });
});
