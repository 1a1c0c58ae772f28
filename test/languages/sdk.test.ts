// The committed SDKs (sdk/python, sdk/go/tokens) are what scripts/gen-sdk.sh makes from
// src/plugin/schema.json today (issue #29): the test regenerates both into a temp dir and compares
// every file. After a schema change: `bash scripts/gen-sdk.sh --force`, then commit sdk/.
import { execFile, execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";
import { goPresence, log, ROOT, SDK_DIR, sdkGeneration } from "./toolchains.ts";

const execFileAsync = promisify(execFile);

/** gen-sdk's own bookkeeping in its output directory, not part of an SDK. */
const BOOKKEEPING = /^\.(python|go)\.stamp$|^\.gen-sdk\.lock$/;

async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((entry) => entry.isFile() && !BOOKKEEPING.test(entry.name))
    .map((entry) => relative(dir, join(entry.parentPath, entry.name)))
    .sort();
}

/** The SDK files of the checkout: committed, or new and not ignored (what a commit would take). */
function checkoutFiles(): string[] {
  return execFileSync("git", ["ls-files", "--cached", "--others", "--exclude-standard", "sdk"], {
    cwd: ROOT,
    encoding: "utf8",
  })
    .trim()
    .split("\n")
    .filter((path) => path !== "")
    .map((path) => relative(SDK_DIR, join(ROOT, path)))
    .sort();
}

const missing = [sdkGeneration("python"), sdkGeneration("go"), goPresence()].find(
  (presence) => !presence.present,
);
const title = "the committed SDKs match the schema (scripts/gen-sdk.sh regenerates them the same)";

if (missing && !missing.present) {
  const why = `SKIPPED: the SDK drift check: ${missing.why}`;
  // eslint-disable-next-line no-console -- a missing toolchain must be loud, not a quiet skip
  console.warn(`\n${"!".repeat(why.length)}\n${why}\n${"!".repeat(why.length)}\n`);
  describe(title, () => {
    if (process.env.CI === "true") {
      it("SDK generation toolchain present (required in CI)", () => {
        throw new Error(why);
      });
    } else {
      it(why, () => {
        expect(missing.present).toBe(false);
      });
    }
  });
} else {
  describe(title, () => {
    let out: string | undefined;
    afterAll(async () => {
      if (out) await rm(out, { recursive: true, force: true });
    });

    it("regenerated Python and Go SDKs equal sdk/, file for file", async () => {
      out = await mkdtemp(join(tmpdir(), "pt-sdk-"));
      const started = Date.now();
      await execFileAsync("bash", [join(ROOT, "scripts", "gen-sdk.sh"), "--out", out, "--force"], {
        cwd: ROOT,
        env: { ...process.env, PATH: `${join(ROOT, "node_modules", ".bin")}:${process.env.PATH ?? ""}` },
        timeout: 1_200_000,
        maxBuffer: 16 * 1024 * 1024,
      });
      log(`scripts/gen-sdk.sh --force took ${((Date.now() - started) / 1000).toFixed(1)}s`);
      const generated = await filesUnder(out);
      expect(generated).toContain("python/setup.py");
      expect(generated).toContain("go/tokens/go.mod");
      expect(checkoutFiles()).toEqual(generated);
      const differing = generated.filter(
        (path) => !readFileSync(join(out ?? "", path)).equals(readFileSync(join(SDK_DIR, path))),
      );
      expect(differing).toEqual([]);
    }, 1_260_000);
  });
}
