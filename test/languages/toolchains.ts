/**
 * The Python and Go toolchains of the language proofs (issues #13, #29): whether each is present, and
 * the preparation each proof needs, done by the repo's scripts and cached across runs. The SDKs are the
 * committed ones (sdk/), installed by the commands of docs/languages.md, run word for word
 * ({@link guideCommands}):
 *
 * - Python: scripts/ensure-python.sh (a venv with PyPI `pulumi` for building), the wheel
 *   (scripts/package-python-sdk.sh), then the guide's commands: a fresh venv and `pip install <wheel>`
 *   (cached by the wheel and the commands).
 * - Go: scripts/ensure-go.sh runs the guide's `go mod edit -replace` + `go get` on a copy of
 *   test/languages/go and builds it once into a cached binary.
 * - Whether the SDKs can be regenerated (test/languages/sdk.test.ts): {@link sdkGeneration}.
 */
import { execFile, execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, readFileSync, realpathSync } from "node:fs";
import { homedir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { CLI_BIN_DIR, PULUMI_VERSION } from "../harness/cli-path.ts";
import { packagedPlugin } from "../harness/plugin.ts";

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
/** The CLI scripts/gen-sdk.sh runs (the one test/harness/engine.ts uses). */
const CLI = join(CLI_BIN_DIR, "pulumi");
/** The committed SDKs (scripts/gen-sdk.sh's default output). */
export const SDK_DIR = join(ROOT, "sdk");
/** The install guide whose commands the proofs run. */
export const GUIDE = join(ROOT, "docs", "languages.md");

/**
 * The commands of the guide's fenced `sh` block marked `<!-- tested: <name> -->`, exactly as written.
 */
export function guideCommands(name: string): string {
  const text = readFileSync(GUIDE, "utf8");
  const match = new RegExp(`^<!-- tested: ${name} -->\\n\\n\`\`\`sh\\n([\\s\\S]*?)^\`\`\`$`, "m").exec(text);
  if (!match?.[1]) throw new Error(`${GUIDE} has no \`sh\` block marked <!-- tested: ${name} -->`);
  return match[1];
}

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
export function sdkGeneration(language: "python" | "go"): Presence {
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

/** Python >= 3.10 as `python3` (or `$PYTHON`). */
export function pythonPresence(): Presence {
  const python = process.env.PYTHON ?? "python3";
  const line = firstLine(python, ["--version"]);
  if (!line) return { present: false, why: `no ${python} on PATH` };
  const match = /Python (\d+)\.(\d+)/.exec(line);
  if (!match || !atLeast([Number(match[1]), Number(match[2])], [3, 10])) {
    return { present: false, why: `${python} is ${line}; the Python proof needs Python >= 3.10` };
  }
  return { present: true, version: line };
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

/** What the Python program runs with. */
export interface PythonToolchain {
  /** The interpreter of the venv the guide's commands made, with the wheel installed. */
  python: string;
}

/**
 * The Python SDK as users install it: the wheel of sdk/python, installed into a fresh venv by the
 * guide's commands (run in a directory holding the wheel). `pulumi` is pinned to @pulumi/pulumi's
 * version through PIP_CONSTRAINT, so the venv matches the CLI. Cached by the wheel and the commands.
 */
export async function preparePython(): Promise<PythonToolchain> {
  const wheel = await script("package-python-sdk.sh", [], 600_000);
  const commands = guideCommands("python");
  const key = createHash("sha256")
    .update(readFileSync(wheel))
    .update(commands)
    .update(PULUMI_VERSION)
    .digest("hex")
    .slice(0, 16);
  const dir = join(CACHE, "python-user", key);
  const python = join(dir, ".venv", "bin", "python");
  if (!existsSync(join(dir, ".ready"))) {
    const started = Date.now();
    const constraints = join(CACHE, "python-user", `pulumi-${PULUMI_VERSION}.txt`);
    await execFileAsync(
      "bash",
      [
        "-c",
        `set -euo pipefail
mkdir -p "$(dirname "$DIR")" && printf 'pulumi==%s\\n' "$PULUMI_VERSION" >"$PIP_CONSTRAINT"
exec 9>"$DIR.lock" && flock 9
[ -f "$DIR/.ready" ] && exit 0
rm -rf "$DIR" && mkdir -p "$DIR" && cp "$WHEEL" "$DIR/" && cd "$DIR"
${commands}
.venv/bin/python -c 'import pulumi_tokens, pulumi.automation'
touch .ready`,
      ],
      {
        timeout: 600_000,
        maxBuffer: 16 * 1024 * 1024,
        env: {
          ...process.env,
          DIR: dir,
          WHEEL: wheel,
          PULUMI_VERSION,
          PIP_CONSTRAINT: constraints,
          PIP_DISABLE_PIP_VERSION_CHECK: "1",
        },
      },
    );
    log(
      `the guide's Python install (fresh venv, pip install of the wheel) took ${((Date.now() - started) / 1000).toFixed(1)}s`,
    );
  }
  return { python };
}

/** The Go proof's binary, built against the committed Go SDK, got by the guide's commands. */
export async function prepareGo(): Promise<string> {
  return script("ensure-go.sh", [join(SDK_DIR, "go", "tokens")], 1_500_000);
}

/**
 * Installs the packaged plugin as users do: docs/languages.md's `plugin` commands, run in the directory
 * holding the tarball, into `pulumiHome`, with only the CLI's directory on PATH.
 */
export async function installPackagedPlugin(cli: string, pulumiHome: string, home: string): Promise<void> {
  const tarball = await packagedPlugin();
  await promisify(execFile)("/bin/bash", ["-euo", "pipefail", "-c", guideCommands("plugin")], {
    cwd: dirname(tarball),
    env: { PATH: dirname(cli), HOME: home, PULUMI_HOME: pulumiHome, PULUMI_SKIP_UPDATE_CHECK: "true" },
    timeout: 120_000,
  });
}
