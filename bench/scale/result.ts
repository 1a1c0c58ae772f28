// The shapes of the scale bench's result: the runs, the table rows, the profiles and the options.
import type { AtRest } from "./at-rest.ts";
import type { ColdStart } from "./cold-start.ts";
import type { Kind } from "./kinds.ts";
import type { ProfileSummary } from "../profile.ts";

/** One `pulumi up`. */
export interface Run {
  kind: Kind;
  n: number;
  checkpoints: boolean;
  round: number;
  ms: number;
  /** Peak RSS (VmHWM) of the provider process(es) the engine started, in bytes; 0 if none was seen. */
  providerPeakRss: number;
  /** CPU time (user + system, ms) of the provider process(es), sampled every 150 ms (the last ≤150 ms is missed). */
  providerCpuMs: number;
  /** CPU time of the `pulumi` CLI (the engine), sampled likewise. */
  engineCpuMs: number;
  /** CPU time of this process: the inline program and its language host. */
  programCpuMs: number;
  /** CPU time of the emulator process (the API server), over the stack's setup and the `up`. */
  emulatorCpuMs: number;
  /** Requests the emulator answered during the `up`. */
  apiCalls: number;
}

/** One row of the table: a size and a checkpoint mode. */
export interface Row {
  n: number;
  checkpoints: boolean;
  rounds: number;
  /** Wall time of `pulumi up` per kind: median, min, max (ms). */
  ms: Record<Kind, { median: number; min: number; max: number }>;
  /** ours ÷ no-op: ratio of medians, and the min/max of the per-round ratios. */
  ratio: Record<Exclude<Kind, "noop">, { median: number; min: number; max: number }>;
  /** (ours − no-op) ÷ N, from the medians: what one token adds over the engine's own cost (ms). */
  marginalMsPerToken: Record<Exclude<Kind, "noop">, number>;
  /** Median CPU time per kind (ms): the engine, the provider process, the program, the emulator. */
  cpuMs: Record<Kind, { engine: number; provider: number; program: number; emulator: number }>;
  /** API calls the emulator answered per resource (median over the rounds ÷ N). */
  apiCallsPerResource: Record<Kind, number>;
}

/** The provider process's CPU profile during one `pulumi up` of N resources, checkpoints off. */
export interface ProviderProfile extends ProfileSummary {
  kind: Kind;
  n: number;
  /** Wall time of that `pulumi up` (profiling slows it down). */
  ms: number;
}

/** Everything one scale bench measured, and where and with what. */
export interface ScaleResult {
  startedAt: string;
  finishedAt: string;
  machine: {
    cpu: string;
    cores: number;
    memoryGb: number;
    os: string;
    loadBefore: number[];
    loadAfter: number[];
  };
  versions: { node: string; pulumiCli: string; pulumiSdk: string; package: string; commit: string };
  sizes: number[];
  runs: Run[];
  rows: Row[];
  atRest: AtRest[];
  coldStart: ColdStart[];
  /** Peak provider RSS per kind at the largest N (max over runs), in MB. */
  peakRssMb: Record<Kind, number>;
  /** One profiled run per kind (empty when not asked for). */
  profiles: ProviderProfile[];
}

/** What `runScale` (run.ts) measures. */
export interface ScaleOptions {
  sizes: number[];
  /** Rounds per size. */
  rounds: (n: number) => number;
  /** Progress lines. */
  log?: (line: string) => void;
  /** N of one extra, profiled `pulumi up` per kind, checkpoints off (see bench/profile.ts); none if 0. */
  profileSize?: number;
}
