/**
 * The Python and Go toolchains of the language proofs (issue #13): whether each is present, and the
 * preparation each proof needs, done by the repo's scripts and cached across runs:
 *
 * - Python: scripts/ensure-python.sh (a venv with PyPI `pulumi` at @pulumi/pulumi's version),
 *   scripts/gen-sdk.sh python, then the generated package installed into a directory of its own
 *   (keyed by the SDK's contents) that the program gets on PYTHONPATH.
 * - Go: scripts/gen-sdk.sh go, then scripts/ensure-go.sh (test/languages/go built once into a cached
 *   binary).
 */
import { execFile, execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync, realpathSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import { homedir } from "node:os";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

const execFileAsync = promisify(execFile);

/** A line in the test log: how long the (cached) toolchain steps took, which cold runs need to see. */
export function log(line: string): void {
  // eslint-disable-next-line no-console -- timings of the cached toolchain steps, on purpose
  console.info(`languages: ${line}`);
}

/** The repository root. */
export const ROOT = fileURLToPath(new URL("../..", import.meta.url));
/** The cache the scripts share (`PULUMI_TOKENS_CACHE`, default ~/.cache/pulumi-tokens). */
const CACHE =
  process.env.PULUMI_TOKENS_CACHE ??
  join(process.env.XDG_CACHE_HOME ?? join(homedir(), ".cache"), "pulumi-tokens");
const PULUMI_VERSION = (createRequire(import.meta.url)("@pulumi/pulumi/package.json") as { version: string })
  .version;
/** The CLI scripts/gen-sdk.sh runs (the one test/harness/engine.ts uses). */
const CLI = join(
  process.env.PULUMI_HOME ?? join(homedir(), ".pulumi"),
  "versions",
  PULUMI_VERSION,
  "bin",
  "pulumi",
);
/** Where scripts/gen-sdk.sh writes the SDKs by default (gitignored). */
export const SDK_DIR = join(ROOT, ".cache", "sdk");

/** A toolchain that is present, or why it is not. */
export type Presence = { present: true; version: string } | { present: false; why: string };

function firstLine(command: string, args: string[]): string | undefined {
  try {
    return execFileSync(command, args, {
      encoding: "utf8",
      stdio: ["ignore", "pipe", "pipe"],
      timeout: 10_000,
    })
      .trim()
      .split("\n")[0];
  } catch {
    return undefined;
  }
}

const atLeast = (version: number[], minimum: number[]) => {
  for (let index = 0; index < minimum.length; index++) {
    const part = version[index] ?? 0;
    const wanted = minimum[index] ?? 0;
    if (part !== wanted) return part > wanted;
  }
  return true;
};

/**
 * Whether `pulumi package gen-sdk --language <language>` can run: a real language plugin on PATH or
 * beside the CLI, or Go to build scripts/gen-sdk.sh's codegen-only stand-in.
 */
function sdkGeneration(language: "python" | "go"): Presence {
  const plugin = `pulumi-language-${language}`;
  const beside = join(dirname(realpathOrSelf(CLI)), plugin);
  if (existsSync(beside) || firstLine("sh", ["-c", `command -v ${plugin}`]) !== undefined) {
    return { present: true, version: plugin };
  }
  const go = goPresence();
  return go.present
    ? { present: true, version: `codegen host built with ${go.version}` }
    : {
        present: false,
        why: `no ${plugin} beside ${CLI} or on PATH, and ${go.why} to build scripts/gen-sdk.sh's stand-in`,
      };
}

function realpathOrSelf(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return path;
  }
}

/** Python >= 3.10 as `python3` (or `$PYTHON`), and a way to generate the Python SDK. */
export function pythonPresence(): Presence {
  const python = process.env.PYTHON ?? "python3";
  const line = firstLine(python, ["--version"]);
  if (!line) return { present: false, why: `no ${python} on PATH` };
  const match = /Python (\d+)\.(\d+)/.exec(line);
  if (!match || !atLeast([Number(match[1]), Number(match[2])], [3, 10])) {
    return { present: false, why: `${python} is ${line}; the Python proof needs Python >= 3.10` };
  }
  const generation = sdkGeneration("python");
  return generation.present ? { present: true, version: line } : generation;
}

/** The `go` command: on PATH, else Go's default install location. */
export function goCommand(): string {
  return firstLine("go", ["version"]) !== undefined ? "go" : "/usr/local/go/bin/go";
}

/**
 * Go >= 1.25.11 (it also builds gen-sdk's codegen host when the CLI has no pulumi-language-go): the
 * issue asks for >= 1.22, but github.com/pulumi/pulumi/sdk/v3 v3.259.0 declares
 * `go 1.25.11`, so an older Go cannot build the program (GOTOOLCHAIN=local: no toolchain download).
 */
export function goPresence(): Presence {
  const line = firstLine(goCommand(), ["version"]);
  if (!line) return { present: false, why: "no go on PATH (or /usr/local/go/bin/go)" };
  const match = /go(\d+)\.(\d+)(?:\.(\d+))?/.exec(line);
  if (!match || !atLeast([Number(match[1]), Number(match[2]), Number(match[3] ?? 0)], [1, 25, 11])) {
    return {
      present: false,
      why: `${line}: the Go proof needs Go >= 1.25.11 (github.com/pulumi/pulumi/sdk/v3 v3.259.0 declares go 1.25.11)`,
    };
  }
  return { present: true, version: line };
}

/** Runs one of the repo's scripts; its stdout's last line is its answer. Logs how long it took. */
async function script(name: string, args: string[], timeout: number): Promise<string> {
  const started = Date.now();
  try {
    const { stdout } = await execFileAsync("bash", [join(ROOT, "scripts", name), ...args], {
      cwd: ROOT,
      env: { ...process.env, PATH: `${join(ROOT, "node_modules", ".bin")}:${process.env.PATH ?? ""}` },
      timeout,
      maxBuffer: 16 * 1024 * 1024,
    });
    log(`scripts/${name} ${args.join(" ")} took ${((Date.now() - started) / 1000).toFixed(1)}s`);
    return stdout.trim().split("\n").at(-1) ?? "";
  } catch (error) {
    const { stderr } = error as { stderr?: string };
    throw new Error(`scripts/${name} ${args.join(" ")} failed: ${String(error)}\n${stderr ?? ""}`, {
      cause: error,
    });
  }
}

/** A hash of every file under `dir` (names and contents), skipping build leftovers. */
function treeHash(dir: string): string {
  const hash = createHash("sha256");
  const walk = (current: string) => {
    for (const name of readdirSync(current).sort()) {
      if (name === "build" || name.endsWith(".egg-info") || name === "__pycache__") continue;
      const path = join(current, name);
      if (statSync(path).isDirectory()) walk(path);
      else
        hash
          .update(`${relative(dir, path)}\0`)
          .update(readFileSync(path))
          .update("\0");
    }
  };
  walk(dir);
  return hash.digest("hex").slice(0, 16);
}

/** What the Python program runs with. */
export interface PythonToolchain {
  /** The venv's interpreter. */
  python: string;
  /** The directory holding the installed pulumi_tokens package (for PYTHONPATH). */
  sdkPath: string;
}

/** The venv, the generated Python SDK, and that SDK installed where PYTHONPATH can reach it. */
export async function preparePython(): Promise<PythonToolchain> {
  const venv = await script("ensure-python.sh", [], 300_000);
  const sdk = join(await script("gen-sdk.sh", ["python"], 600_000), "python");
  const python = join(venv, "bin", "python");
  // Installed, not just put on PATH: the SDK reads its own version from its package metadata.
  const target = join(CACHE, "python-sdk", treeHash(sdk));
  if (!existsSync(join(target, "pulumi_tokens", "__init__.py"))) {
    const started = Date.now();
    await execFileAsync(
      python,
      ["-m", "pip", "install", "--quiet", "--no-deps", "--no-build-isolation", "--target", target, sdk],
      { timeout: 120_000, env: { ...process.env, PIP_DISABLE_PIP_VERSION_CHECK: "1" } },
    );
    log(`pip install of the Python SDK took ${((Date.now() - started) / 1000).toFixed(1)}s`);
  }
  return { python, sdkPath: target };
}

/** The Go proof's binary, built against the generated Go SDK. */
export async function prepareGo(): Promise<string> {
  const sdk = await script("gen-sdk.sh", ["go"], 900_000);
  return script("ensure-go.sh", [join(sdk, "go", "tokens")], 1_500_000);
}
