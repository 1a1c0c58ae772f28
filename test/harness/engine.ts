/**
 * Runs Pulumi programs through the real engine: the Automation API driving the `pulumi` CLI where the
 * npm `pulumi` launcher and PulumiCommand keep it, `${PULUMI_HOME:-~/.pulumi}/versions/<version>/bin`
 * (scripts/ensure-pulumi.sh fills it), with a file backend, a passphrase and an isolated PULUMI_HOME
 * for the stacks in a temp dir. Nothing reaches the network.
 */
import { execFile } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import {
  type ConfigMap,
  LocalWorkspace,
  type OutputMap,
  PulumiCommand,
  type PulumiFn,
  type Stack,
} from "@pulumi/pulumi/automation/index.js";
import { CLI_ROOT } from "./cli-path.ts";

/** The CLI at exactly the SDK's version, in the launcher's cache (the Go build fills it offline). */
const TOOLS_ROOT = CLI_ROOT;
const execFileAsync = promisify(execFile);

let command: Promise<PulumiCommand> | undefined;

/** The CLI that scripts/ensure-pulumi.sh put (or found) in the launcher's cache. */
export function pulumiCommand(): Promise<PulumiCommand> {
  command ??= PulumiCommand.get({ root: TOOLS_ROOT });
  return command;
}

/** What one engine operation printed and produced. */
export interface OperationResult {
  /** Everything the engine printed (plain text, no colour). */
  output: string;
  outputs: OutputMap;
  /** Resource changes counted by the engine, e.g. `{ same: 1, update: 1 }`. */
  changes: Record<string, number>;
}

/** Options for {@link openStack}. */
export interface OpenStackOptions {
  projectName: string;
  program: PulumiFn;
  config?: ConfigMap;
  /** Extra environment for the CLI and the provider processes it starts. */
  env?: Record<string, string>;
  /** Stack name; default "test". */
  stackName?: string;
  /** An existing file-backend directory to share (for StackReference); default: a new temp dir. */
  backendDir?: string;
}

/** A stack on a throwaway file backend. */
export class TestStack {
  readonly stack: Stack;
  /** Every line the engine printed across all operations, in order. */
  readonly transcript: string[] = [];
  /** The file backend directory (pass it as `backendDir` to open a second stack beside this one). */
  readonly backendDir: string;
  /** The fully qualified name a StackReference uses, e.g. "organization/demo/test". */
  readonly qualifiedName: string;
  readonly #dirs: string[];

  private constructor(stack: Stack, projectName: string, backendDir: string, dirs: string[]) {
    this.stack = stack;
    this.backendDir = backendDir;
    this.qualifiedName = `organization/${projectName}/${stack.name}`;
    this.#dirs = dirs;
  }

  /** Creates the stack in fresh temp dirs. */
  static async open(options: OpenStackOptions): Promise<TestStack> {
    const backend = options.backendDir ?? (await mkdtemp(join(tmpdir(), "pt-backend-")));
    const home = await mkdtemp(join(tmpdir(), "pt-home-"));
    const stack = await LocalWorkspace.createOrSelectStack(
      { stackName: options.stackName ?? "test", projectName: options.projectName, program: options.program },
      {
        pulumiCommand: await pulumiCommand(),
        pulumiHome: home,
        envVars: {
          PULUMI_BACKEND_URL: `file://${backend}`,
          PULUMI_CONFIG_PASSPHRASE: "pulumi-tokens-tests",
          PULUMI_SKIP_UPDATE_CHECK: "true",
          PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
          ...options.env,
        },
      },
    );
    if (options.config) await stack.setAllConfig(options.config);
    return new TestStack(stack, options.projectName, backend, options.backendDir ? [home] : [backend, home]);
  }

  /** Sets (or with undefined, clears) an environment variable for later operations. */
  setEnv(name: string, value: string | undefined): void {
    const env = this.stack.workspace.envVars as Record<string, string>;
    if (value === undefined) delete env[name];
    else env[name] = value;
  }

  /** Freezes the providers' clock (`PULUMI_TOKENS_NOW`) for later operations. */
  setNow(at: Date): void {
    this.setEnv("PULUMI_TOKENS_NOW", at.toISOString());
  }

  async up(options: { refresh?: boolean; diff?: boolean } = {}): Promise<OperationResult> {
    const lines: string[] = [];
    const result = await this.stack.up({ ...options, color: "never", onOutput: this.#collect(lines) });
    return {
      output: lines.join(""),
      outputs: result.outputs,
      changes: { ...result.summary.resourceChanges },
    };
  }

  /**
   * `pulumi preview --diff`. `expectNoChanges` adds `--expect-no-changes` (throws when changes are proposed);
   * `stderr` also collects what the CLI writes to stderr (with `--diff`, provider stderr lines go there).
   */
  async preview(options: { expectNoChanges?: boolean; stderr?: boolean } = {}): Promise<OperationResult> {
    const lines: string[] = [];
    const result = await this.stack.preview({
      ...(options.expectNoChanges ? { expectNoChanges: true } : {}),
      ...(options.stderr ? { onError: this.#collect(lines) } : {}),
      color: "never",
      diff: true,
      onOutput: this.#collect(lines),
    });
    return { output: lines.join(""), outputs: {}, changes: { ...result.changeSummary } };
  }

  /** `runProgram`: `pulumi refresh --run-program` (the program's provider configuration, not the saved one). */
  async refresh(options: { runProgram?: boolean } = {}): Promise<OperationResult> {
    const lines: string[] = [];
    const result = await this.stack.refresh({ ...options, color: "never", onOutput: this.#collect(lines) });
    return {
      output: lines.join(""),
      outputs: await this.stack.outputs(),
      changes: { ...result.summary.resourceChanges },
    };
  }

  /** `runProgram`: `pulumi destroy --run-program` (the program's provider configuration, not the saved one). */
  async destroy(options: { runProgram?: boolean } = {}): Promise<OperationResult> {
    const lines: string[] = [];
    const result = await this.stack.destroy({ ...options, color: "never", onOutput: this.#collect(lines) });
    return { output: lines.join(""), outputs: {}, changes: { ...result.summary.resourceChanges } };
  }

  /** `pulumi stack export` as text, secrets left encrypted: what is stored at rest. */
  async exportedState(): Promise<string> {
    // Not `stack.exportStack()`: the Automation API passes --show-secrets.
    const workspace = this.stack.workspace;
    const { stdout } = await execFileAsync(
      join(TOOLS_ROOT, "bin", "pulumi"),
      ["stack", "export", "--stack", this.stack.name],
      {
        cwd: workspace.workDir,
        env: { ...process.env, PULUMI_HOME: workspace.pulumiHome ?? "", ...workspace.envVars },
        maxBuffer: 64 * 1024 * 1024,
      },
    );
    return stdout;
  }

  /**
   * The deployment with every secret DECRYPTED (`stack.exportStack()` passes `--show-secrets`). Only for a
   * test's bookkeeping (which token does the state hold) and for looking inside ciphertexts; what is
   * stored at rest is {@link exportedState}.
   */
  async decryptedDeployment(): Promise<{ resources?: unknown[] } & Record<string, unknown>> {
    return (await this.stack.exportStack()).deployment as { resources?: unknown[] } & Record<string, unknown>;
  }

  /** The stored outputs of the one resource of `type` (e.g. "pulumi-nodejs:dynamic/netbird:PersonalAccessToken"), decrypted. */
  async resourceOutputs(type: string): Promise<Record<string, unknown>> {
    const deployment = await this.decryptedDeployment();
    const resource = (deployment.resources as { type: string; outputs: Record<string, unknown> }[]).find(
      (candidate) => candidate.type === type,
    );
    if (!resource) throw new Error(`no resource of type ${type} in the stack`);
    return resource.outputs;
  }

  /** Removes the stack and its temp dirs. */
  async dispose(): Promise<void> {
    await this.stack.workspace.removeStack(this.stack.name, { force: true }).catch(() => undefined);
    await Promise.all(this.#dirs.map((dir) => rm(dir, { recursive: true, force: true })));
  }

  #collect(lines: string[]): (out: string) => void {
    return (out) => {
      lines.push(out);
      this.transcript.push(out);
    };
  }
}
