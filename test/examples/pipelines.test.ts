// The scheduled-rotation pipelines of examples/scheduled-rotation/ (issue #12): the GitHub workflow is linted by
// actionlint (built once from the Go module proxy into the user cache, never into the repo), the shell script by
// `bash -n` and shellcheck when installed, and the script's sequence is run against a stub `pulumi`. Each linter
// is also shown failing on a broken copy, so a green run means something.
import { execFile, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { chmod, mkdir, mkdtemp, readFile, rename, rm, writeFile } from "node:fs/promises";
import { homedir, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const run = promisify(execFile);
const EXAMPLE = resolve(import.meta.dirname, "../../examples/scheduled-rotation");
const WORKFLOW = join(EXAMPLE, "github-actions.yml");
const GITLAB = join(EXAMPLE, "gitlab-ci.yml");
const SCRIPT = join(EXAMPLE, "run.sh");

const ACTIONLINT_VERSION = "v1.7.12";
const CACHE_ROOT =
  process.env.PULUMI_TOKENS_CACHE ??
  join(process.env.XDG_CACHE_HOME ?? join(homedir(), ".cache"), "pulumi-tokens");
const ACTIONLINT_DIR = join(CACHE_ROOT, "tools", `actionlint-${ACTIONLINT_VERSION}`);
const ACTIONLINT = join(ACTIONLINT_DIR, "actionlint");

/** The commands the pipelines run (and test/e2e/gitops.test.ts replays), flags included. */
const DRIFT = 'pulumi preview --cwd "$PRODUCER_DIR" --stack "$PRODUCER_STACK" --diff --expect-no-changes';
const ROTATE = 'up --cwd "$PRODUCER_DIR" --stack "$PRODUCER_STACK" --yes --skip-preview';
const CONSUMER = 'up --cwd "$CONSUMER_DIR" --stack "$CONSUMER_STACK" --yes --skip-preview';

interface Exit {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a command and returns its exit code and output instead of throwing on a non-zero exit. */
async function exec(file: string, args: string[], env: NodeJS.ProcessEnv = process.env): Promise<Exit> {
  try {
    const { stdout, stderr } = await run(file, args, { env, maxBuffer: 16 * 1024 * 1024 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code?: number | string; stdout?: string; stderr?: string };
    if (typeof failed.code !== "number") throw error;
    return { code: failed.code, stdout: failed.stdout ?? "", stderr: failed.stderr ?? "" };
  }
}

function goBinary(): string {
  for (const dir of (process.env.PATH ?? "").split(":"))
    if (dir && existsSync(join(dir, "go"))) return join(dir, "go");
  if (existsSync("/usr/local/go/bin/go")) return "/usr/local/go/bin/go";
  throw new Error(
    `actionlint is not in ${ACTIONLINT_DIR} and there is no Go toolchain to build it (need Go >= 1.24)`,
  );
}

/** Builds actionlint once into the user cache (about 20 s with a cold module cache), then reuses it. */
async function ensureActionlint(): Promise<string> {
  if (existsSync(ACTIONLINT)) return ACTIONLINT;
  await mkdir(join(CACHE_ROOT, "tools"), { recursive: true });
  const staging = await mkdtemp(join(CACHE_ROOT, "tools", "actionlint-build-"));
  try {
    const started = Date.now();
    const env = { ...process.env, GOBIN: staging, GOTOOLCHAIN: "local", CGO_ENABLED: "0" };
    const built = await exec(
      goBinary(),
      [
        "install",
        "-trimpath",
        "-ldflags=-s -w",
        `github.com/rhysd/actionlint/cmd/actionlint@${ACTIONLINT_VERSION}`,
      ],
      env,
    );
    if (built.code !== 0) throw new Error(`building actionlint failed:\n${built.stderr}`);
    await mkdir(ACTIONLINT_DIR, { recursive: true });
    await rename(join(staging, "actionlint"), ACTIONLINT);
    process.stdout.write(
      `built actionlint ${ACTIONLINT_VERSION} in ${Date.now() - started} ms: ${ACTIONLINT}\n`,
    );
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
  return ACTIONLINT;
}

async function hasShellcheck(): Promise<boolean> {
  return (await exec("bash", ["-c", "command -v shellcheck"])).code === 0;
}

let scratch: string;
let actionlint: string;

beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), "pt-pipelines-"));
  actionlint = await ensureActionlint();
}, 600_000);
afterAll(async () => rm(scratch, { recursive: true, force: true }));

describe("the GitHub Actions workflow", () => {
  it("passes actionlint", async () => {
    const result = await exec(actionlint, ["-no-color", WORKFLOW]);
    expect(result.stdout + result.stderr).toBe("");
    expect(result.code).toBe(0);
  });

  it("actionlint fails on a broken copy (a job that needs a job that does not exist)", async () => {
    const text = await readFile(WORKFLOW, "utf8");
    expect(text).toContain("    needs: drift\n");
    const broken = join(scratch, "broken.yml");
    await writeFile(broken, text.replace("    needs: drift\n", "    needs: drfit\n"));
    const result = await exec(actionlint, ["-no-color", broken]);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain(
      'job "rotate" needs job "drfit" which does not exist in this workflow [job-needs]',
    );
  });

  it("runs on a schedule, one run at a time, drift check first, up only when due, consumer after producer, alerts", async () => {
    const text = await readFile(WORKFLOW, "utf8");
    expect(text).toMatch(/\non:\n {2}schedule:\n(?: {4}#.*\n)* {4}- cron: "17 3 \* \* \*"\n/);
    expect(text).toContain("concurrency:\n  group: pulumi-tokens-rotation\n  cancel-in-progress: false\n");
    expect(text).toContain("PULUMI_BACKEND_URL: ${{ secrets.PULUMI_BACKEND_URL }}");
    expect(text).toContain("PULUMI_CONFIG_PASSPHRASE: ${{ secrets.PULUMI_CONFIG_PASSPHRASE }}");
    expect(text).toContain(`run: ${DRIFT} --non-interactive 2>&1 | tee preview.log`);
    expect(text).toContain("due: ${{ steps.preview.outcome == 'failure' }}");
    expect(text).toContain("if: needs.drift.outputs.due == 'true'");
    expect(text).toContain(`run: pulumi ${ROTATE} --non-interactive`);
    expect(text).toContain(`run: ${DRIFT} --non-interactive\n`);
    expect(text).toContain("needs: [drift, rotate]");
    expect(text).toContain(`run: pulumi ${CONSUMER} --non-interactive`);
    expect(text).toContain("needs: [drift, rotate, consumer]\n    if: failure()");
    // The S3 backend's credentials, and the by-hand removal of a killed run's locks (docs/gitops.md).
    expect(text).toContain("AWS_SECRET_ACCESS_KEY: ${{ secrets.AWS_SECRET_ACCESS_KEY }}");
    expect(text).toContain(
      '        if: inputs.unlock\n        run: pulumi cancel --cwd "$PRODUCER_DIR" --stack "$PRODUCER_STACK" --yes --non-interactive\n',
    );
  });
});

describe("the GitLab CI job", () => {
  it("runs the same script in a resource group on a schedule", async () => {
    const text = await readFile(GITLAB, "utf8");
    expect(text).toContain("  resource_group: pulumi-tokens-rotation\n");
    expect(text).toContain('    - if: $CI_PIPELINE_SOURCE == "schedule"\n');
    expect(text).toContain("    - bash examples/scheduled-rotation/run.sh\n");
  });
});

describe("the shell script", () => {
  it("parses (bash -n), and bash -n fails on a broken copy", async () => {
    expect(await exec("bash", ["-n", SCRIPT])).toEqual({ code: 0, stdout: "", stderr: "" });
    const broken = join(scratch, "broken.sh");
    await writeFile(broken, (await readFile(SCRIPT, "utf8")).replace(/\nfi\n/, "\n"));
    expect((await exec("bash", ["-n", broken])).code).not.toBe(0);
  });

  it("passes shellcheck when it is installed (and shellcheck fails on a broken copy)", async () => {
    if (!(await hasShellcheck())) {
      process.stdout.write("shellcheck not installed: not checked\n");
      return;
    }
    expect(await exec("shellcheck", [SCRIPT])).toEqual({ code: 0, stdout: "", stderr: "" });
    const broken = join(scratch, "unquoted.sh");
    await writeFile(
      broken,
      (await readFile(SCRIPT, "utf8")).replace('--cwd "$CONSUMER_DIR"', "--cwd $CONSUMER_DIR"),
    );
    const result = await exec("shellcheck", ["-f", "gcc", broken]);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain("[SC2086]");
  });

  it("run-many.sh parses and passes shellcheck when it is installed", async () => {
    const many = join(EXAMPLE, "run-many.sh");
    expect(await exec("bash", ["-n", many])).toEqual({ code: 0, stdout: "", stderr: "" });
    if (await hasShellcheck())
      expect(await exec("shellcheck", [many])).toEqual({ code: 0, stdout: "", stderr: "" });
  });

  it("contains the pipeline's commands", async () => {
    const text = await readFile(SCRIPT, "utf8");
    expect(text).toContain(`if run_${DRIFT}; then`);
    expect(text).toContain("no changes were expected for preview but changes were proposed");
    expect(text).toContain(`step "rotate (producer)" ${ROTATE} || return 1\n`);
    expect(text).toContain(`step "consumer" ${CONSUMER} || return 1\n`);
    expect(text).toContain('exec 9>"$LOCK_FILE"\nif ! flock -n 9; then');
  });

  // A stub `pulumi` logs its arguments and exits with the next code from STUB_CODES; a preview with
  // --expect-no-changes that exits 255 says what pulumi says when changes were proposed.
  async function runScript(codes: number[], env: Record<string, string> = {}) {
    const dir = await mkdtemp(join(scratch, "stub-"));
    const stub = join(dir, "pulumi");
    await writeFile(
      stub,
      [
        "#!/usr/bin/env bash",
        'echo "$*" >> "$STUB_LOG"',
        'n=$(wc -l < "$STUB_LOG")',
        'read -r -a codes <<< "$STUB_CODES"',
        "code=${codes[$((n - 1))]:-99}",
        'if [ "$code" = 255 ] && [[ "$*" == *--expect-no-changes* ]]; then',
        '  echo "error: no changes were expected for preview but changes were proposed"',
        "fi",
        'exit "$code"',
        "",
      ].join("\n"),
    );
    await chmod(stub, 0o755);
    const log = join(dir, "calls.log");
    await writeFile(log, "");
    const result = await exec("bash", [SCRIPT], {
      PATH: `${dir}:${process.env.PATH ?? ""}`,
      HOME: dir,
      PULUMI_BACKEND_URL: `file://${dir}`,
      PULUMI_CONFIG_PASSPHRASE: "x",
      PRODUCER_DIR: "infra/tokens",
      PRODUCER_STACK: "prod",
      CONSUMER_DIR: "infra/app",
      CONSUMER_STACK: "prod",
      LOCK_FILE: join(dir, "lock"),
      STUB_LOG: log,
      STUB_CODES: codes.join(" "),
      ...env,
    });
    const calls = (await readFile(log, "utf8")).split("\n").filter(Boolean);
    return { ...result, calls, dir };
  }

  const drift = "preview --cwd infra/tokens --stack prod --diff --expect-no-changes --non-interactive";
  const rotate = "up --cwd infra/tokens --stack prod --yes --skip-preview --non-interactive";
  const consumer = "up --cwd infra/app --stack prod --yes --skip-preview --non-interactive";

  it("quiet run: drift check passes, no producer up, the consumer still runs", async () => {
    const result = await runScript([0, 0]);
    expect(result.code).toBe(0);
    expect(result.calls).toEqual([drift, consumer]);
    expect(result.stderr).toContain("rotate-tokens: nothing due\n");
  });

  it("due run: drift check fails, up rotates, the drift check passes again, then the consumer", async () => {
    const result = await runScript([255, 0, 0, 0]);
    expect(result.code).toBe(0);
    expect(result.calls).toEqual([drift, rotate, drift, consumer]);
  });

  it("a failed rotation alerts, exits non-zero and leaves the consumer alone", async () => {
    const result = await runScript([255, 255]);
    expect(result.code).toBe(1);
    expect(result.calls).toEqual([drift, rotate]);
    expect(result.stderr).toContain(
      "rotate-tokens: pulumi-tokens rotation failed for prod / prod: rotate (producer) failed\n",
    );
  });

  it("a drift check that fails for another reason alerts and exits 1 without rotating", async () => {
    const result = await runScript([1]);
    expect(result.code).toBe(1);
    expect(result.calls).toEqual([drift]);
    expect(result.stderr).toContain(
      "rotate-tokens: pulumi-tokens rotation failed for prod / prod: drift check failed\n",
    );
  });

  it("never overlaps: a run while another holds the lock does nothing", async () => {
    const dir = await mkdtemp(join(scratch, "lock-"));
    const lock = join(dir, "lock");
    const holder = spawn("flock", [lock, "sleep", "30"], { stdio: "ignore" });
    try {
      for (let i = 0; i < 50 && (await exec("flock", ["-n", lock, "true"])).code === 0; i++) {
        await new Promise((done) => setTimeout(done, 100));
      }
      const result = await runScript([0, 0], { LOCK_FILE: lock });
      expect(result.code).toBe(0);
      expect(result.calls).toEqual([]);
      expect(result.stderr).toContain(`rotate-tokens: another run holds ${lock}; nothing to do\n`);
    } finally {
      holder.kill();
    }
  });
});
