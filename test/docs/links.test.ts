// Every relative link in the user docs (README.md, CONTRIBUTING.md, CHANGELOG.md, docs/*.md) resolves: the file
// exists, and a `#fragment` names a heading of the target page (GitHub's anchors).
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const PAGES = [
  "README.md",
  "CONTRIBUTING.md",
  "CHANGELOG.md",
  ...readdirSync(join(ROOT, "docs"))
    .filter((name) => name.endsWith(".md"))
    .map((name) => `docs/${name}`),
].filter((page) => existsSync(join(ROOT, page)));

/** The text of a page without its fenced code blocks (a link there is an example, not a link). */
function prose(text: string): string {
  return text.replace(/^```[\s\S]*?^```/gm, "");
}

/** The anchors GitHub gives the headings of a page: lower case, punctuation dropped, spaces as `-`, repeats `-1`. */
function anchors(text: string): Set<string> {
  const seen = new Map<string, number>();
  const result = new Set<string>();
  for (const [, heading] of prose(text).matchAll(/^#{1,6}\s+(.*?)\s*#*$/gm)) {
    const base = heading!
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\s_-]/gu, "")
      .replace(/\s/g, "-");
    const count = seen.get(base) ?? 0;
    seen.set(base, count + 1);
    result.add(count === 0 ? base : `${base}-${count}`);
  }
  return result;
}

/** The relative link targets of a page: `[text](target)`, without web and mail links. */
function links(text: string): string[] {
  return [...prose(text).matchAll(/\]\(([^)\s]+)\)/g)]
    .map((match) => match[1]!)
    .filter((target) => !/^[a-z]+:/i.test(target));
}

describe("links in the docs", () => {
  it("finds the pages", () => {
    expect(PAGES).toEqual(expect.arrayContaining(["README.md", "docs/reference.md", "docs/rotation.md"]));
  });

  it("computes GitHub's anchors", () => {
    expect([...anchors("# A `b.c` (d:e)\n## Limits\n### Limits\n```\n# not a heading\n```")]).toEqual([
      "a-bc-de",
      "limits",
      "limits-1",
    ]);
  });

  it.each(PAGES)("%s: every relative link resolves", { timeout: 10_000 }, (page) => {
    const broken: string[] = [];
    for (const target of links(readFileSync(join(ROOT, page), "utf8"))) {
      const [path, fragment] = target.split("#") as [string, string | undefined];
      const file = path === "" ? join(ROOT, page) : join(ROOT, dirname(page), decodeURI(path));
      if (!existsSync(file)) {
        broken.push(`${target} (no ${relative(ROOT, file)})`);
      } else if (
        fragment !== undefined &&
        file.endsWith(".md") &&
        !anchors(readFileSync(file, "utf8")).has(fragment)
      ) {
        broken.push(`${target} (no heading #${fragment} in ${relative(ROOT, file)})`);
      }
    }
    expect(broken).toEqual([]);
  });
});
