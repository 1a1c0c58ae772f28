// Runs the scale bench: the interleaved rounds, one profiled run per kind, the cold starts, and the
// table rows summed up from the runs.
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { arch, cpus, loadavg, platform, release, totalmem } from "node:os";
import { join } from "node:path";
import { startEmulator } from "../../src/emulator/index.ts";
import { pulumiCommand } from "../../test/harness/engine.ts";
import { type AtRest, atRestOf } from "./at-rest.ts";
import { type ColdStart, coldStart } from "./cold-start.ts";
import { byKind, COMPARED_KINDS, type ComparedKind, KINDS, type Kind } from "./kinds.ts";
import { measure, profileRun } from "./measure.ts";
import { ROOT } from "./paths.ts";
import type { ProviderProfile, Row, Run, ScaleOptions, ScaleResult } from "./result.ts";

/** The checkpoint modes every kind runs in: on, then off (`PULUMI_SKIP_CHECKPOINTS=true`). */
const MODES = [true, false];

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[mid] ?? Number.NaN) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
};

/** Runs the scale bench (see bench/scale.ts). */
export async function runScale(options: ScaleOptions): Promise<ScaleResult> {
  const log = options.log ?? (() => undefined);
  const startedAt = new Date().toISOString();
  const loadBefore = loadavg();
  const { runs, atRest } = await measureRounds(options, log);
  const profiles = await profileKinds(options.profileSize ?? 0, log);
  const coldStarts = await coldStartKinds(atRest);
  const rows = options.sizes.flatMap((n) =>
    MODES.map((checkpoints) => rowOf(runs, n, checkpoints, options.rounds(n))),
  );
  const largest = Math.max(...options.sizes);
  const peak = (kind: Kind) =>
    Math.max(0, ...runs.filter((r) => r.kind === kind && r.n === largest).map((r) => r.providerPeakRss)) /
    2 ** 20;
  return {
    startedAt,
    finishedAt: new Date().toISOString(),
    machine: {
      cpu: cpus()[0]?.model ?? "unknown",
      cores: cpus().length,
      memoryGb: Math.round((totalmem() / 2 ** 30) * 10) / 10,
      os: `${platform()} ${release()} ${arch()}`,
      loadBefore,
      loadAfter: loadavg(),
    },
    versions: await versions(),
    sizes: options.sizes,
    runs,
    rows,
    atRest: KINDS.map((kind) => {
      const found = atRest.get(kind);
      if (!found) throw new Error(`no state measured for ${kind}`);
      return found;
    }),
    coldStart: coldStarts,
    peakRssMb: byKind(KINDS, peak),
    profiles,
  };
}

/**
 * Every size's rounds, each round every kind and mode in a rotated order; the state at rest of each kind
 * from its first run with checkpoints at the first size.
 */
async function measureRounds(
  options: ScaleOptions,
  log: (line: string) => void,
): Promise<{ runs: Run[]; atRest: Map<Kind, AtRest> }> {
  const runs: Run[] = [];
  const atRest = new Map<Kind, AtRest>();
  const plan = KINDS.flatMap((kind) => MODES.map((checkpoints) => ({ kind, checkpoints })));
  for (const n of options.sizes) {
    const rounds = options.rounds(n);
    for (let round = 0; round < rounds; round++) {
      // Rotate the order each round, so no kind always runs first (or right after the heaviest).
      const order = plan.map((_, i) => plan[(i + round * 2) % plan.length] ?? plan[0]!);
      for (const { kind, checkpoints } of order) {
        const wantState = checkpoints && round === 0 && n === options.sizes[0];
        const { run, exported } = await measure(kind, n, checkpoints, round, wantState);
        runs.push(run);
        if (exported) {
          const stored = atRestOf(kind, exported);
          atRest.set(kind, stored);
          log(
            `${kind} at rest: ${stored.bytesPerResource} bytes, ${stored.secretsPerResource} secrets per resource`,
          );
        }
        log(
          `N=${n} round ${round + 1}/${rounds} ${kind.padEnd(7)} checkpoints ${checkpoints ? "on " : "off"} ` +
            `${(run.ms / 1000).toFixed(2)} s, provider peak RSS ${(run.providerPeakRss / 2 ** 20).toFixed(0)} MB, ` +
            `CPU s: engine ${(run.engineCpuMs / 1000).toFixed(2)}, provider ${(run.providerCpuMs / 1000).toFixed(2)}, ` +
            `program ${(run.programCpuMs / 1000).toFixed(2)}, emulator ${(run.emulatorCpuMs / 1000).toFixed(2)}`,
        );
      }
    }
  }
  return { runs, atRest };
}

/** One profiled `pulumi up` of `size` resources per kind; none when `size` is 0. */
async function profileKinds(size: number, log: (line: string) => void): Promise<ProviderProfile[]> {
  const profiles: ProviderProfile[] = [];
  for (const kind of size ? KINDS : []) {
    const profile = await profileRun(kind, size);
    profiles.push(profile);
    log(
      `profiled N=${profile.n} ${kind}: ${(profile.busyMs / 1000).toFixed(2)} s busy in the provider process`,
    );
  }
  return profiles;
}

/** The cold start of every kind's provider host, with the `__provider` text its state stored. */
async function coldStartKinds(atRest: Map<Kind, AtRest>): Promise<ColdStart[]> {
  const coldStarts: ColdStart[] = [];
  const emulator = await startEmulator();
  try {
    for (const kind of KINDS) {
      coldStarts.push(await coldStart(kind, emulator, atRest.get(kind)?.providerText ?? ""));
    }
  } finally {
    await emulator.close();
  }
  return coldStarts;
}

/** The table row of one size and checkpoint mode, from its runs. */
function rowOf(runs: Run[], n: number, checkpoints: boolean, rounds: number): Row {
  const of = (kind: Kind) =>
    runs.filter((r) => r.n === n && r.checkpoints === checkpoints && r.kind === kind);
  const stats = (kind: Kind) => {
    const times = of(kind).map((r) => r.ms);
    return { median: median(times), min: Math.min(...times), max: Math.max(...times) };
  };
  const ms = byKind(KINDS, stats);
  const ratio = (kind: ComparedKind) => {
    const noop = of("noop");
    const perRound = of(kind).map((r) => r.ms / (noop.find((b) => b.round === r.round)?.ms ?? Number.NaN));
    return {
      median: ms[kind].median / ms.noop.median,
      min: Math.min(...perRound),
      max: Math.max(...perRound),
    };
  };
  const cpu = (kind: Kind) => ({
    engine: median(of(kind).map((r) => r.engineCpuMs)),
    provider: median(of(kind).map((r) => r.providerCpuMs)),
    program: median(of(kind).map((r) => r.programCpuMs)),
    emulator: median(of(kind).map((r) => r.emulatorCpuMs)),
  });
  return {
    n,
    checkpoints,
    rounds,
    cpuMs: byKind(KINDS, cpu),
    apiCallsPerResource: byKind(KINDS, (kind) => median(of(kind).map((r) => r.apiCalls)) / n),
    ms,
    ratio: byKind(COMPARED_KINDS, ratio),
    marginalMsPerToken: byKind(COMPARED_KINDS, (kind) => (ms[kind].median - ms.noop.median) / n),
  };
}

/** The versions of Node, the CLI, the SDK and this package, and the commit measured. */
async function versions(): Promise<ScaleResult["versions"]> {
  const json = (path: string) => JSON.parse(readFileSync(path, "utf8")) as { version: string };
  const command = await pulumiCommand();
  const git = (args: string[]) =>
    new Promise<string>((resolveGit) => {
      const child = spawn("git", args, { cwd: ROOT, stdio: ["ignore", "pipe", "ignore"] });
      let out = "";
      child.stdout.on("data", (chunk: Buffer) => (out += chunk.toString()));
      child.on("close", () => resolveGit(out.trim()));
      child.on("error", () => resolveGit(""));
    });
  const commit = await git(["rev-parse", "--short", "HEAD"]);
  const dirty = (await git(["status", "--porcelain", "--untracked-files=no"])) !== "";
  return {
    node: process.version,
    pulumiCli: String(command.version ?? "unknown"),
    pulumiSdk: json(join(ROOT, "node_modules/@pulumi/pulumi/package.json")).version,
    package: json(join(ROOT, "package.json")).version,
    commit: `${commit || "unknown"}${dirty ? " (with uncommitted changes)" : ""}`,
  };
}
