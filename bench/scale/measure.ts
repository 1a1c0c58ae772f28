// One measured `pulumi up`: a fresh emulator process and stack, the processes sampled; and the same
// with the provider process profiled.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { TestStack } from "../../test/harness/engine.ts";
import { summarizeProfiles } from "../profile.ts";
import { program } from "./controls.ts";
import { startEmulatorProcess, stackConfig } from "./emulator.ts";
import type { Kind } from "./kinds.ts";
import { BENCH_PATH, ROOT } from "./paths.ts";
import type { ProviderProfile, Run } from "./result.ts";
import { sampleProcesses } from "./sampler.ts";

/** One `pulumi up` of N resources of a kind; with `exportState`, also the stack's exported state. */
export async function measure(
  kind: Kind,
  n: number,
  checkpoints: boolean,
  round: number,
  exportState: boolean,
  profileDirectory?: string,
): Promise<{ run: Run; exported?: string }> {
  // A fresh emulator per run: a user's token list (which a NetBird create may read) holds only this run's.
  // It runs in a process of its own, so its CPU time is the API's, apart from the program's.
  const emulator = await startEmulatorProcess();
  const stack = await TestStack.open({
    projectName: `bench-${kind}`,
    program: program(kind, n),
    config: stackConfig(emulator),
    env: {
      PATH: BENCH_PATH,
      ...(checkpoints ? {} : { PULUMI_SKIP_CHECKPOINTS: "true" }),
      ...(profileDirectory ? profilingEnv(profileDirectory) : {}),
    },
  });
  try {
    const stop = sampleProcesses();
    const cpuBefore = process.cpuUsage();
    const started = performance.now();
    const result = await stack.up();
    const ms = performance.now() - started;
    const cpu = process.cpuUsage(cpuBefore);
    const sampled = stop();
    const api = await emulator.stats();
    if (result.changes.create !== n + 1) {
      throw new Error(`${kind} N=${n}: expected ${n + 1} creates, got ${JSON.stringify(result.changes)}`);
    }
    const run: Run = {
      kind,
      n,
      checkpoints,
      round,
      ms,
      ...sampled,
      apiCalls: api.requests,
      emulatorCpuMs: api.cpuMs,
      programCpuMs: (cpu.user + cpu.system) / 1000,
    };
    return exportState ? { run, exported: await stack.exportedState() } : { run };
  } finally {
    await stack.dispose();
    await emulator.close();
  }
}

/** The environment that makes the provider process profile itself (bench/provider-profile.cjs). */
function profilingEnv(directory: string): Record<string, string> {
  const hook = join(ROOT, "bench/provider-profile.cjs");
  return {
    NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ""} --require ${hook}`.trim(),
    PULUMI_TOKENS_PROFILE_DIR: directory,
  };
}

export /** One `pulumi up` of N resources of a kind, without checkpoints, with its provider process profiled. */
async function profileRun(kind: Kind, n: number): Promise<ProviderProfile> {
  const directory = mkdtempSync(join(tmpdir(), `pulumi-tokens-profile-${kind}-`));
  try {
    const { run } = await measure(kind, n, false, 0, false, directory);
    return { kind, n, ms: run.ms, ...summarizeProfiles(directory, ROOT) };
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
}
