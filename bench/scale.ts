// The scale bench: `pulumi up` creating N tokens against N no-op dynamic resources, through the real
// engine with a file backend, with and without checkpoints; what each resource stores at rest; the
// provider process's peak RSS and cold start. `runScale` measures, `renderMarkdown`/`renderSvg` write
// bench/results.md and bench/results.svg (see bench/index.ts).
//
// - A no-op resource is a plain `pulumi.dynamic.Resource` whose provider's `create` returns at once:
//   the engine's own cost per resource (step, gRPC, provider process, checkpoint).
// - The controls are no-ops that store what a token stores: the PAT's shape (patShapedNoop), the
//   UserToken's secret (secretNoop). They split a token's cost into the engine's price of what it stores
//   and the package's own work.
// - "plugin" is the NetBird PAT through the provider plugin (`tokens:netbird:PersonalAccessToken`, the
//   shipped bin/pulumi-resource-tokens running dist/), declared like a generated SDK declares it.
// - Every kind runs on a fresh stack with the same stack config (the emulator URL and credentials), so
//   the config the provider process receives is the same on both sides.
// - Rounds are interleaved (each round runs every kind and mode, in a rotated order) so a slow spell
//   of a shared machine hits both sides alike. Ratios are ours ÷ no-op of medians; the range is that of
//   the per-round ratios.
import { spawn } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { createInterface } from "node:readline";
import { arch, cpus, loadavg, platform, release, tmpdir, totalmem } from "node:os";
import { join, resolve } from "node:path";
import * as pulumi from "@pulumi/pulumi";
import type { ConfigMap } from "@pulumi/pulumi/automation/index.js";
import { type Emulator, startEmulator } from "../src/emulator/index.ts";
import { gcore, netbird } from "../src/index.ts";
import { registeredKeys, withoutPromiseStacks } from "../src/core/token-resource.ts";
import { PERSONAL_ACCESS_TOKEN } from "../src/netbird/definition.ts";
import { pulumiCommand, TestStack } from "../test/harness/engine.ts";
import { COMPONENTS, type ProfileSummary, summarizeProfiles } from "./profile.ts";

const ROOT = resolve(import.meta.dirname, "..");

/** What is created N times. */
export type Kind = "noop" | "secretNoop" | "patShapedNoop" | "netbird" | "gcore" | "plugin";
export const KINDS: readonly Kind[] = ["noop", "secretNoop", "patShapedNoop", "netbird", "gcore", "plugin"];
/** The kinds compared with the no-op resource: the tokens and their controls. */
type ComparedKind = Exclude<Kind, "noop">;
const COMPARED_KINDS = KINDS.filter((kind): kind is ComparedKind => kind !== "noop");
const TYPES: Record<Kind, string> = {
  noop: "pulumi-nodejs:dynamic:BenchNoop",
  secretNoop: "pulumi-nodejs:dynamic:BenchSecretNoop",
  patShapedNoop: "pulumi-nodejs:dynamic:BenchPatShapedNoop",
  netbird: "pulumi-nodejs:dynamic/netbird:PersonalAccessToken",
  gcore: "pulumi-nodejs:dynamic/gcore:UserToken",
  plugin: "tokens:netbird:PersonalAccessToken",
};
const LABELS: Record<Kind, string> = {
  noop: "no-op dynamic resource",
  secretNoop: "no-op + a UserToken-size secret",
  patShapedNoop: "no-op shaped like a PersonalAccessToken",
  netbird: "netbird.PersonalAccessToken",
  gcore: "gcore.UserToken",
  plugin: "plugin tokens:netbird:PersonalAccessToken",
};
/** A record with one entry per kind of `kinds`. */
function byKind<K extends Kind, T>(kinds: readonly K[], value: (kind: K) => T): Record<K, T> {
  return Object.fromEntries(kinds.map((kind) => [kind, value(kind)])) as Record<K, T>;
}

// The no-op provider: nothing captured, `create` answers at once.
const noopProvider: pulumi.dynamic.ResourceProvider = {
  async create() {
    return { id: "noop", outs: {} };
  },
};

class BenchNoop extends pulumi.dynamic.Resource {
  constructor(name: string, index: number) {
    super(noopProvider, name, { index }, {}, undefined, "BenchNoop");
  }
}

/** Lengths of the JWTs the Gcore emulator issues (RSA 4096), as the UserToken stores them together. */
const USER_TOKEN_JWT_LENGTHS = { accessToken: 1188, refreshToken: 1133 };
/** Characters of the UserToken's stored secret (its two JWTs as JSON): the control's secret has as many. */
export const USER_TOKEN_SECRET_CHARS = JSON.stringify({
  accessToken: "x".repeat(USER_TOKEN_JWT_LENGTHS.accessToken),
  refreshToken: "x".repeat(USER_TOKEN_JWT_LENGTHS.refreshToken),
}).length;

/**
 * The control for the UserToken: a no-op whose one secret output is as long as the UserToken's stored
 * secret, distinct per resource. What it costs over the bare no-op is the engine's own price of storing
 * that secret; what the UserToken costs over it is the package's.
 */
const secretNoopProvider: pulumi.dynamic.ResourceProvider = {
  // Pulumi serializes this closure with the lengths it captures, and stores it twice per resource.
  create: async ({ index }) => ({
    id: "noop",
    outs: {
      secrets: {
        accessToken: `${index}`.padStart(USER_TOKEN_JWT_LENGTHS.accessToken, "x"),
        refreshToken: `${index}`.padStart(USER_TOKEN_JWT_LENGTHS.refreshToken, "x"),
      },
    },
  }),
};

class BenchSecretNoop extends pulumi.dynamic.Resource {
  constructor(name: string, index: number) {
    super(
      secretNoopProvider,
      name,
      { index, secrets: undefined },
      { additionalSecretOutputs: ["secrets"] },
      undefined,
      "BenchSecretNoop",
    );
  }
}

/**
 * The `__provider` text of the PAT's control, written by hand as the package's is (a serialized closure
 * stored 1.6 KB more per resource): `create` answers at once with a PAT's stored outputs,
 * values of the same lengths.
 */
const PAT_SHAPED_NOOP_PROVIDER =
  'exports.handler=()=>({create:async(i,p=(n)=>i.name.padStart(n,"x"),d="2026-12-04T14:32:44.634Z")=>' +
  '({id:i.name,outs:{...i,tokenId:p(20),token:"nbp_"+p(36),createdAt:d,createdBy:"user-admin",expiresAt:d}})})';

/**
 * The control for the PersonalAccessToken: a no-op registered as the PAT registers (the same output
 * keys, the same secret outputs, without the SDK's promise stacks) that stores the same properties.
 * What it costs over the bare no-op is what the engine and the SDK charge for a PAT's shape; what the
 * PAT costs over it is the package's own work (provider, HTTP) and the emulator's.
 */
class BenchPatShapedNoop extends pulumi.CustomResource {
  constructor(name: string, index: number, managementUrl: string) {
    const restoreStacks = withoutPromiseStacks();
    try {
      super(
        TYPES.patShapedNoop,
        name,
        {
          ...Object.fromEntries(registeredKeys(PERSONAL_ACCESS_TOKEN).map((key) => [key, undefined])),
          userId: "svc-ci",
          name: `bench-${index}`,
          expiresInDays: 30,
          managementUrl,
          __provider: PAT_SHAPED_NOOP_PROVIDER,
        },
        { additionalSecretOutputs: [...PERSONAL_ACCESS_TOKEN.secretOutputs] },
      );
    } finally {
      restoreStacks();
    }
  }
}

/** The NetBird PAT through the provider plugin, with its outputs declared as a generated SDK does. */
class PluginPersonalAccessToken extends pulumi.CustomResource {
  constructor(name: string, args: Record<string, unknown>) {
    const outputs = Object.fromEntries(PERSONAL_ACCESS_TOKEN.outputs.map((key) => [key, undefined]));
    super(TYPES.plugin, name, { ...outputs, ...args });
  }
}

function program(kind: Kind, n: number): () => Promise<Record<string, unknown>> {
  return async () => {
    // The PAT's control stores the resolved URL as the PAT does; read from config once per program.
    const managementUrl =
      kind === "patShapedNoop" ? new pulumi.Config("netbird").require("managementUrl") : "";
    for (let i = 0; i < n; i++) {
      if (kind === "noop") new BenchNoop(`noop-${i}`, i);
      else if (kind === "secretNoop") new BenchSecretNoop(`secret-noop-${i}`, i);
      else if (kind === "patShapedNoop") new BenchPatShapedNoop(`pat-shaped-noop-${i}`, i, managementUrl);
      else if (kind === "plugin") {
        new PluginPersonalAccessToken(`plugin-${i}`, {
          userId: "svc-ci",
          name: `bench-${i}`,
          expiresInDays: 30,
        });
      } else if (kind === "netbird") {
        new netbird.PersonalAccessToken(`pat-${i}`, {
          userId: "svc-ci",
          name: `bench-${i}`,
          expiresInDays: 30,
        });
      } else new gcore.UserToken(`user-${i}`, { userId: 1234 });
    }
    return {};
  };
}

/** An emulator running in a process of its own (bench/emulator-process.ts). */
interface EmulatorProcess extends Pick<Emulator, "url" | "seeds"> {
  /** Requests answered and CPU time (ms) used since it started listening. */
  stats(): Promise<{ requests: number; cpuMs: number }>;
  close(): Promise<void>;
}

async function startEmulatorProcess(): Promise<EmulatorProcess> {
  const child = spawn(process.execPath, [join(ROOT, "bench/emulator-process.ts")], {
    cwd: ROOT,
    stdio: ["pipe", "pipe", "inherit"],
  });
  const exited = new Promise<void>((resolveExit) => child.once("exit", () => resolveExit()));
  const lines = createInterface({ input: child.stdout });
  const waiting: ((line: string) => void)[] = [];
  lines.on("line", (line) => waiting.shift()?.(line));
  const next = () =>
    new Promise<string>((resolveLine, reject) => {
      waiting.push(resolveLine);
      void exited.then(() => reject(new Error("the emulator process exited")));
    });
  const started = JSON.parse(await next()) as Pick<Emulator, "url" | "seeds">;
  return {
    ...started,
    async stats() {
      const answer = next();
      child.stdin.write("stats\n");
      return JSON.parse(await answer) as { requests: number; cpuMs: number };
    },
    async close() {
      child.stdin.end();
      await exited;
    },
  };
}

function stackConfig(emulator: Pick<Emulator, "url" | "seeds">): ConfigMap {
  return {
    "netbird:managementUrl": { value: emulator.url },
    "netbird:apiToken": { value: emulator.seeds.netbird.adminToken, secret: true },
    "gcore:apiUrl": { value: emulator.url },
    "gcore:apiKey": { value: emulator.seeds.gcore.resellerApiKey, secret: true },
    "tokens:netbirdManagementUrl": { value: emulator.url },
    "tokens:netbirdApiToken": { value: emulator.seeds.netbird.adminToken, secret: true },
  };
}

/** PATH for the CLI: the shipped plugin (bin/) and the Node it runs with (node_modules/.bin) first. */
const BENCH_PATH = [join(ROOT, "bin"), join(ROOT, "node_modules/.bin"), process.env.PATH ?? ""].join(":");

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

/** What one resource of a kind stores, from `pulumi stack export` (secrets encrypted). */
export interface AtRest {
  kind: Kind;
  /** Compact JSON bytes of one resource entry of the deployment (mean over the N resources). */
  bytesPerResource: number;
  /** Bytes of the `__provider` text (stored twice: inputs and outputs). */
  providerBytes: number;
  /** The `__provider` text itself (of the first resource). */
  providerText: string;
  /** Encrypted values (`ciphertext`) per resource. */
  secretsPerResource: number;
  /** Properties per resource, inputs + outputs. */
  propertiesPerResource: number;
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

/** Spawn of the provider host to its first answered calls (ms). */
export interface ColdStart {
  kind: Kind;
  /** Spawn to the port line: the dynamic-provider host itself (Node start, @pulumi/pulumi, gRPC). */
  listeningMs: number;
  /** Spawn to the answer of the first `check`, which loads the provider from `__provider`. */
  firstCheckMs: number;
  /** A second `check`, warm. */
  warmCheckMs: number;
}

/** The provider process's CPU profile during one `pulumi up` of N resources, checkpoints off. */
export interface ProviderProfile extends ProfileSummary {
  kind: Kind;
  n: number;
  /** Wall time of that `pulumi up` (profiling slows it down). */
  ms: number;
}

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

export interface ScaleOptions {
  sizes: number[];
  /** Rounds per size. */
  rounds: (n: number) => number;
  /** Progress lines. */
  log?: (line: string) => void;
  /** N of one extra, profiled `pulumi up` per kind, checkpoints off (see bench/profile.ts); none if 0. */
  profileSize?: number;
}

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[mid] ?? Number.NaN) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
};

/** What the sampler saw of the processes the engine ran during one `pulumi up`. */
interface Sampled {
  /** Peak RSS (VmHWM) of the provider process(es), bytes. */
  providerPeakRss: number;
  /** CPU time (user + system) of the provider process(es) and of the `pulumi` CLI, ms. */
  providerCpuMs: number;
  engineCpuMs: number;
}

const CLOCK_TICK_MS = 10; // Linux USER_HZ = 100

/**
 * Samples the descendants of this process every 150 ms until stopped: the dynamic-provider host (peak
 * RSS, CPU) and the `pulumi` CLI (CPU). Each process is identified once (ppid, command line), so a
 * sample reads only /proc itself and the stat/status files of the processes that matter.
 */
function sampleProcesses(): () => Sampled {
  // Only the parent is cached: a command line read between fork and exec would still be the parent's,
  // so the descendants' command lines are read again at every sample (they are few).
  const parents = new Map<number, number>();
  const seen = new Map<number, { role: "provider" | "engine"; hwm: number; cpuMs: number }>();
  const isOurs = (pid: number): boolean => {
    for (let current = parents.get(pid), hops = 0; current !== undefined && hops < 20; hops++) {
      if (current === process.pid) return true;
      current = parents.get(current);
    }
    return false;
  };
  const sample = () => {
    const alive: number[] = [];
    for (const entry of readdirSync("/proc")) {
      if (!/^\d+$/.test(entry)) continue;
      const pid = Number(entry);
      alive.push(pid);
      if (parents.has(pid)) continue;
      try {
        const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
        parents.set(pid, Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]));
      } catch {
        // gone meanwhile
      }
    }
    for (const pid of alive) {
      if (!isOurs(pid)) continue;
      try {
        const argv = readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0");
        const role = argv.some(
          (arg) => arg.endsWith("dynamic-provider/index.js") || arg.endsWith("/pulumi-resource-tokens"),
        )
          ? "provider"
          : (argv[0] ?? "").endsWith("/pulumi")
            ? "engine"
            : undefined;
        if (role === undefined) continue;
        const fields = readFileSync(`/proc/${pid}/stat`, "utf8");
        const after = fields.slice(fields.lastIndexOf(")") + 2).split(" ");
        const cpuMs = (Number(after[11]) + Number(after[12])) * CLOCK_TICK_MS;
        const hwm =
          Number(/VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1] ?? 0) * 1024;
        const last = seen.get(pid);
        seen.set(pid, { role, hwm: Math.max(hwm, last?.hwm ?? 0), cpuMs: Math.max(cpuMs, last?.cpuMs ?? 0) });
      } catch {
        // gone meanwhile
      }
    }
  };
  sample();
  const timer = setInterval(sample, 150);
  return () => {
    clearInterval(timer);
    sample();
    const of = (role: "provider" | "engine") => [...seen.values()].filter((entry) => entry.role === role);
    return {
      providerPeakRss: Math.max(0, ...of("provider").map((entry) => entry.hwm)),
      providerCpuMs: of("provider").reduce((total, entry) => total + entry.cpuMs, 0),
      engineCpuMs: of("engine").reduce((total, entry) => total + entry.cpuMs, 0),
    };
  };
}

function atRestOf(kind: Kind, exported: string): AtRest {
  const resources = (
    JSON.parse(exported) as {
      deployment: {
        resources: { type: string; inputs?: Record<string, unknown>; outputs?: Record<string, unknown> }[];
      };
    }
  ).deployment.resources.filter((resource) => resource.type === TYPES[kind]);
  if (resources.length === 0) throw new Error(`no ${TYPES[kind]} in the exported state`);
  const sum = (f: (r: (typeof resources)[number]) => number) =>
    resources.reduce((total, resource) => total + f(resource), 0) / resources.length;
  return {
    kind,
    bytesPerResource: Math.round(sum((r) => JSON.stringify(r).length)),
    providerBytes: Math.round(sum((r) => String(r.outputs?.__provider ?? r.inputs?.__provider ?? "").length)),
    providerText: String(resources[0]?.outputs?.__provider ?? ""),
    secretsPerResource: sum((r) => JSON.stringify(r).split('"ciphertext"').length - 1),
    propertiesPerResource: sum(
      (r) => Object.keys(r.inputs ?? {}).length + Object.keys(r.outputs ?? {}).length,
    ),
  };
}

async function measure(
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

/** One `pulumi up` of N resources of a kind, without checkpoints, with its provider process profiled. */
async function profileRun(kind: Kind, n: number): Promise<ProviderProfile> {
  const directory = mkdtempSync(join(tmpdir(), `pulumi-tokens-profile-${kind}-`));
  try {
    const { run } = await measure(kind, n, false, 0, false, directory);
    return { kind, n, ms: run.ms, ...summarizeProfiles(directory, ROOT) };
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
}

/**
 * Spawns the provider host as the engine does and times its first calls (see {@link ColdStart}), with
 * the `__provider` text a `pulumi up` stored for this kind.
 */
export async function coldStart(kind: Kind, emulator: Emulator, providerText: string): Promise<ColdStart> {
  const require = createRequire(join(ROOT, "package.json"));
  const grpc = require("@grpc/grpc-js") as typeof import("@grpc/grpc-js");
  const services = require("@pulumi/pulumi/proto/provider_grpc_pb.js") as {
    ResourceProviderClient: new (address: string, credentials: unknown) => Record<string, unknown>;
  };
  const messages = require("@pulumi/pulumi/proto/provider_pb.js") as Record<
    string,
    new () => Record<string, unknown>
  >;
  const { Struct } = require("google-protobuf/google/protobuf/struct_pb.js") as {
    Struct: { fromJavaScript(value: Record<string, unknown>): unknown };
  };
  const news: Record<Kind, Record<string, unknown>> = {
    noop: { __provider: providerText, index: 0 },
    secretNoop: { __provider: providerText, index: 0 },
    patShapedNoop: { __provider: providerText, userId: "svc-ci", name: "cold", expiresInDays: 30 },
    netbird: { __provider: providerText, userId: "svc-ci", name: "cold", expiresInDays: 30 },
    gcore: { __provider: providerText, userId: 1234 },
    plugin: { userId: "svc-ci", name: "cold", expiresInDays: 30 },
  };
  // The dynamic-provider host takes the stack config as it is; the plugin its own keys without "tokens:".
  const config: Record<string, string> = {};
  for (const [key, { value }] of Object.entries(stackConfig(emulator))) {
    if (kind !== "plugin") config[key] = value;
    else if (key.startsWith("tokens:")) config[key.slice("tokens:".length)] = value;
  }

  const started = performance.now();
  const child = spawn(
    kind === "plugin"
      ? join(ROOT, "bin/pulumi-resource-tokens")
      : join(ROOT, "node_modules/@pulumi/pulumi/pulumi-resource-pulumi-nodejs"),
    ["127.0.0.1:1"],
    {
      cwd: ROOT,
      env: { ...process.env, PATH: BENCH_PATH },
      stdio: ["ignore", "pipe", "inherit"],
      // Its own process group: the script starts Node as a child, and both must go at the end.
      detached: true,
    },
  );
  const exited = new Promise<void>((resolveExit) => child.once("exit", () => resolveExit()));
  try {
    const port = await new Promise<string>((resolvePort, reject) => {
      let text = "";
      child.stdout.on("data", (chunk: Buffer) => {
        text += chunk.toString();
        const match = /^(\d+)\s*$/m.exec(text);
        if (match?.[1]) resolvePort(match[1]);
      });
      child.once("exit", (code) => reject(new Error(`the provider host exited (${code}) before listening`)));
    });
    const listeningMs = performance.now() - started;
    const client = new services.ResourceProviderClient(
      `127.0.0.1:${port}`,
      grpc.credentials.createInsecure(),
    );
    const call = (method: string, request: unknown) =>
      new Promise<unknown>((resolveCall, reject) =>
        (client[method] as (r: unknown, cb: (e: Error | null, v: unknown) => void) => void).call(
          client,
          request,
          (error, value) => (error ? reject(error) : resolveCall(value)),
        ),
      );
    const configure = new (messages.ConfigureRequest as new () => { setArgs(v: unknown): void })();
    configure.setArgs(Struct.fromJavaScript(config));
    await call("configure", configure);
    const check = () => {
      const request = new (
        messages.CheckRequest as new () => {
          setUrn(v: string): void;
          setOlds(v: unknown): void;
          setNews(v: unknown): void;
        }
      )();
      request.setUrn(`urn:pulumi:bench::bench::${TYPES[kind]}::cold`);
      request.setOlds(Struct.fromJavaScript({}));
      request.setNews(Struct.fromJavaScript(news[kind]));
      return call("check", request);
    };
    const answer = (await check()) as { getFailuresList(): unknown[] };
    if (answer.getFailuresList().length > 0) throw new Error(`cold start: ${kind} check failed`);
    const firstCheckMs = performance.now() - started;
    const warmStart = performance.now();
    await check();
    const warmCheckMs = performance.now() - warmStart;
    (client as unknown as { close(): void }).close();
    return { kind, listeningMs, firstCheckMs, warmCheckMs };
  } finally {
    if (child.pid !== undefined && child.exitCode === null) process.kill(-child.pid, "SIGTERM");
    await exited;
    child.stdout.destroy();
  }
}

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

/** Runs the scale bench (see the file comment). */
export async function runScale(options: ScaleOptions): Promise<ScaleResult> {
  const log = options.log ?? (() => undefined);
  const startedAt = new Date().toISOString();
  const loadBefore = loadavg();
  const runs: Run[] = [];
  const atRest = new Map<Kind, AtRest>();
  const modes = [true, false];
  const plan = KINDS.flatMap((kind) => modes.map((checkpoints) => ({ kind, checkpoints })));
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
  const profiles: ProviderProfile[] = [];
  for (const kind of options.profileSize ? KINDS : []) {
    const profile = await profileRun(kind, options.profileSize ?? 0);
    profiles.push(profile);
    log(
      `profiled N=${profile.n} ${kind}: ${(profile.busyMs / 1000).toFixed(2)} s busy in the provider process`,
    );
  }
  const coldStarts: ColdStart[] = [];
  const emulator = await startEmulator();
  try {
    for (const kind of KINDS) {
      coldStarts.push(await coldStart(kind, emulator, atRest.get(kind)?.providerText ?? ""));
    }
  } finally {
    await emulator.close();
  }
  const rows: Row[] = options.sizes.flatMap((n) =>
    modes.map((checkpoints): Row => {
      const of = (kind: Kind) =>
        runs.filter((r) => r.n === n && r.checkpoints === checkpoints && r.kind === kind);
      const stats = (kind: Kind) => {
        const times = of(kind).map((r) => r.ms);
        return { median: median(times), min: Math.min(...times), max: Math.max(...times) };
      };
      const ms = byKind(KINDS, stats);
      const ratio = (kind: ComparedKind) => {
        const noop = of("noop");
        const perRound = of(kind).map(
          (r) => r.ms / (noop.find((b) => b.round === r.round)?.ms ?? Number.NaN),
        );
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
        rounds: options.rounds(n),
        cpuMs: byKind(KINDS, cpu),
        apiCallsPerResource: byKind(KINDS, (kind) => median(of(kind).map((r) => r.apiCalls)) / n),
        ms,
        ratio: byKind(COMPARED_KINDS, ratio),
        marginalMsPerToken: byKind(COMPARED_KINDS, (kind) => (ms[kind].median - ms.noop.median) / n),
      };
    }),
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

const seconds = (ms: number) => (ms / 1000).toFixed(2);
const range = (s: { median: number; min: number; max: number }) =>
  `${seconds(s.median)} s (${seconds(s.min)}–${seconds(s.max)})`;
const times = (r: { median: number; min: number; max: number }) =>
  `**${r.median.toFixed(2)}** (${r.min.toFixed(2)}–${r.max.toFixed(2)})`;

/** bench/results.md. */
export function renderMarkdown(result: ScaleResult): string {
  const lines: string[] = [];
  const m = result.machine;
  const v = result.versions;
  lines.push(
    "# Scale bench: `pulumi up` creating N tokens vs N no-op dynamic resources",
    "",
    `Made by \`npm run bench\` from ${result.startedAt} to ${result.finishedAt}.`,
    "",
    `- Machine: ${m.cpu}, ${m.cores} cores, ${m.memoryGb} GB, ${m.os}; load average before ` +
      `${m.loadBefore.map((x) => x.toFixed(2)).join(" ")}, after ${m.loadAfter.map((x) => x.toFixed(2)).join(" ")}`,
    `- Versions: Node ${v.node}, Pulumi CLI ${v.pulumiCli}, @pulumi/pulumi ${v.pulumiSdk}, ` +
      `pulumi-tokens ${v.package} at ${v.commit}`,
    "- The real engine, file backend, one fresh stack per run, the emulator on loopback. Wall time of `pulumi up` " +
      "(Automation API, inline program), median (min–max) over the rounds; ratio = ours ÷ no-op of the medians " +
      "(min–max of the per-round ratios). Rounds interleave every kind and mode.",
    "- Marginal = (ours − no-op) ÷ N: what one token adds to the engine's own cost per resource.",
    "- plugin: the NetBird PAT through the provider plugin (`tokens:netbird:PersonalAccessToken`, bin/pulumi-resource-tokens " +
      "running dist/), with its outputs declared as a generated SDK declares them; no `__provider` in state.",
    "",
    `| N | checkpoints | rounds | no-op | ${COMPARED_KINDS.map((kind) => `${LABELS[kind]} | ratio | marginal/token`).join(" | ")} |`,
    `|---|---|---|---|${COMPARED_KINDS.map(() => "---|---|---|").join("")}`,
  );
  for (const row of result.rows) {
    lines.push(
      `| ${row.n} | ${row.checkpoints ? "on" : "off (`PULUMI_SKIP_CHECKPOINTS=true`)"} | ${row.rounds} | ` +
        `${range(row.ms.noop)} | ` +
        COMPARED_KINDS.map(
          (kind) =>
            `${range(row.ms[kind])} | ${times(row.ratio[kind])} | ${row.marginalMsPerToken[kind].toFixed(1)} ms`,
        ).join(" | ") +
        " |",
    );
  }
  lines.push(
    "",
    "## Each token against its control",
    "",
    "A control is a no-op that stores what the token stores and does nothing else; its ratio to the bare no-op " +
      "is what the engine and the SDK charge for that, and the token's ratio to its control is what is left for " +
      "the package (provider, HTTP) and the emulator.",
    "",
    "- PersonalAccessToken's control: registered as the PAT registers (the same output keys and secret outputs), " +
      "storing the same properties with values of the same lengths, one of them secret, and a hand-written " +
      `\`__provider\` of ${PAT_SHAPED_NOOP_PROVIDER.length} bytes.`,
    `- UserToken's control: one secret as long as the UserToken's (its two RSA-4096 JWTs, ${USER_TOKEN_SECRET_CHARS} ` +
      "characters as JSON), without the UserToken's other properties; the UserToken's remainder also holds the " +
      "emulator's RSA signing, on the same cores.",
    "",
    "| N | checkpoints | PAT ÷ no-op | PAT's control ÷ no-op | PAT ÷ its control | UserToken ÷ no-op | UserToken's control ÷ no-op | UserToken ÷ its control |",
    "|---|---|---|---|---|---|---|---|",
  );
  for (const row of result.rows) {
    const against = (token: ComparedKind, control: ComparedKind) =>
      `${row.ratio[token].median.toFixed(2)} | ${row.ratio[control].median.toFixed(2)} | ` +
      `${(row.ms[token].median / row.ms[control].median).toFixed(2)}`;
    lines.push(
      `| ${row.n} | ${row.checkpoints ? "on" : "off"} | ${against("netbird", "patShapedNoop")} | ` +
        `${against("gcore", "secretNoop")} |`,
    );
  }
  lines.push(
    "",
    "## Where the time goes",
    "",
    "CPU seconds per `pulumi up` (medians), by process: the engine (`pulumi` CLI: steps, gRPC, checkpoints), the " +
      "provider process (dynamic-provider host + provider), the program (the inline program and its language " +
      "host, in the bench process) and the emulator (its own process: the API server's share, which a real API " +
      "spends elsewhere). Two cores: the wall time is at least the CPU total ÷ 2.",
    "",
    "| N | checkpoints | resource | wall | engine CPU | provider CPU | program CPU | emulator CPU | API calls per resource |",
    "|---|---|---|---|---|---|---|---|---|",
  );
  for (const row of result.rows) {
    for (const kind of KINDS) {
      const cpu = row.cpuMs[kind];
      lines.push(
        `| ${row.n} | ${row.checkpoints ? "on" : "off"} | ${LABELS[kind]} | ${seconds(row.ms[kind].median)} s | ` +
          `${seconds(cpu.engine)} | ${seconds(cpu.provider)} | ${seconds(cpu.program)} | ${seconds(cpu.emulator)} | ` +
          `${Number(row.apiCallsPerResource[kind].toFixed(2))} |`,
      );
    }
  }
  const noop = result.atRest.find((a) => a.kind === "noop");
  lines.push(
    "",
    "## At rest (`pulumi stack export`, secrets encrypted)",
    "",
    "| resource | bytes per resource | ÷ no-op | `__provider` bytes (stored twice) | secrets per resource | properties (inputs + outputs) |",
    "|---|---|---|---|---|---|",
  );
  for (const a of result.atRest) {
    lines.push(
      `| ${LABELS[a.kind]} | ${a.bytesPerResource} | ${(a.bytesPerResource / (noop?.bytesPerResource ?? Number.NaN)).toFixed(2)} | ` +
        `${a.providerBytes} | ${a.secretsPerResource} | ${a.propertiesPerResource} |`,
    );
  }
  lines.push(
    "",
    "Bytes per resource: the resource's entry of the deployment as compact JSON, mean over the N resources of the first size.",
    "",
    "## Provider process",
    "",
    `Peak RSS (VmHWM) of the provider process at N=${Math.max(...result.sizes)}: ` +
      KINDS.map((kind) => `${LABELS[kind]} ${result.peakRssMb[kind].toFixed(0)} MB`).join(", ") +
      ".",
    "",
    "Cold start: the provider spawned as the engine does (`pulumi-resource-pulumi-nodejs`, a shell script that " +
      "starts Node twice, for the dynamic resources; `bin/pulumi-resource-tokens` for the plugin), `configure`, " +
      "then the first `check`, which loads the provider (from `__provider` for the dynamic resources):",
    "",
    "| provider | spawn → listening | spawn → first `check` answered | warm `check` |",
    "|---|---|---|---|",
  );
  for (const c of result.coldStart) {
    lines.push(
      `| ${LABELS[c.kind]} | ${c.listeningMs.toFixed(0)} ms | ${c.firstCheckMs.toFixed(0)} ms | ${c.warmCheckMs.toFixed(1)} ms |`,
    );
  }
  lines.push("", ...renderProfiles(result.profiles));
  return lines.join("\n");
}

/** The "Provider process CPU profile" section of bench/results.md (nothing when no run was profiled). */
function renderProfiles(profiles: ProviderProfile[]): string[] {
  const first = profiles[0];
  if (!first) return [];
  const noop = profiles.find((profile) => profile.kind === "noop");
  const ms = (value: number) => `${value.toFixed(0)} ms`;
  const lines = [
    `## Provider process CPU profile (N=${first.n}, checkpoints off)`,
    "",
    "One more `pulumi up` per kind with the provider process profiled from inside the engine (V8 sampling " +
      "profiler, bench/provider-profile.cjs). CPU time that was not idle, by component: each sample counts for " +
      "the nearest frame of a known component on its stack (bench/profile.ts); the column after each kind is " +
      "what it adds over the no-op, per resource.",
    "",
    `| component | ${profiles.map((profile) => `${LABELS[profile.kind]} | per resource over no-op`).join(" | ")} |`,
    `|---|${profiles.map(() => "---|---").join("|")}|`,
  ];
  const over = (profile: ProviderProfile, value: number, base: number | undefined) =>
    profile.kind === "noop" || base === undefined ? "—" : `${((value - base) / profile.n).toFixed(2)} ms`;
  for (const component of COMPONENTS) {
    lines.push(
      `| ${component} | ${profiles
        .map(
          (profile) =>
            `${ms(profile.byComponent[component])} | ${over(profile, profile.byComponent[component], noop?.byComponent[component])}`,
        )
        .join(" | ")} |`,
    );
  }
  lines.push(
    `| **busy, total** | ${profiles.map((profile) => `**${ms(profile.busyMs)}** | ${over(profile, profile.busyMs, noop?.busyMs)}`).join(" | ")} |`,
    "",
    "Most self time (idle left out):",
    "",
  );
  for (const profile of profiles) {
    const top = profile.topFunctions.slice(0, 6).map((entry) => `${entry.name} ${ms(entry.ms)}`);
    lines.push(`- ${LABELS[profile.kind]}: ${top.join("; ")}`);
  }
  lines.push("");
  return lines;
}

/** bench/results.svg: median wall time against N, per kind, with and without checkpoints. */
export function renderSvg(result: ScaleResult): string {
  const width = 640;
  const height = 400;
  const pad = { left: 60, right: 200, top: 30, bottom: 50 };
  const sizes = result.sizes;
  const maxN = Math.max(...sizes);
  const maxMs = Math.max(...result.rows.flatMap((r) => KINDS.map((k) => r.ms[k].median)));
  const yTop = Math.ceil(maxMs / 1000 / 5) * 5 || 1;
  const x = (n: number) => pad.left + (n / maxN) * (width - pad.left - pad.right);
  const y = (ms: number) => height - pad.bottom - (ms / 1000 / yTop) * (height - pad.top - pad.bottom);
  const colours: Record<Kind, string> = {
    noop: "#666666",
    secretNoop: "#9467bd",
    patShapedNoop: "#17becf",
    netbird: "#1f77b4",
    gcore: "#d62728",
    plugin: "#2ca02c",
  };
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="${width}" height="${height}" fill="white"/>`,
    `<text x="${pad.left}" y="18" font-size="14">pulumi up wall time (median) against N</text>`,
    `<line x1="${pad.left}" y1="${height - pad.bottom}" x2="${width - pad.right}" y2="${height - pad.bottom}" stroke="black"/>`,
    `<line x1="${pad.left}" y1="${pad.top}" x2="${pad.left}" y2="${height - pad.bottom}" stroke="black"/>`,
    `<text x="${(pad.left + width - pad.right) / 2}" y="${height - 12}" text-anchor="middle">N resources</text>`,
    `<text x="16" y="${(pad.top + height - pad.bottom) / 2}" transform="rotate(-90 16 ${(pad.top + height - pad.bottom) / 2})" text-anchor="middle">seconds</text>`,
  ];
  for (const n of [0, ...sizes]) {
    parts.push(
      `<text x="${x(n).toFixed(1)}" y="${height - pad.bottom + 16}" text-anchor="middle">${n}</text>`,
      `<line x1="${x(n).toFixed(1)}" y1="${height - pad.bottom}" x2="${x(n).toFixed(1)}" y2="${height - pad.bottom + 4}" stroke="black"/>`,
    );
  }
  for (let i = 0; i <= 5; i++) {
    const s = (yTop / 5) * i;
    const yy = y(s * 1000).toFixed(1);
    parts.push(
      `<text x="${pad.left - 6}" y="${yy}" text-anchor="end" dominant-baseline="middle">${Number(s.toFixed(1))}</text>`,
      `<line x1="${pad.left}" y1="${yy}" x2="${width - pad.right}" y2="${yy}" stroke="#dddddd"/>`,
    );
  }
  let legend = pad.top;
  for (const kind of KINDS) {
    for (const checkpoints of [true, false]) {
      const points = result.rows
        .filter((r) => r.checkpoints === checkpoints)
        .map((r) => `${x(r.n).toFixed(1)},${y(r.ms[kind].median).toFixed(1)}`);
      const dash = checkpoints ? "" : ` stroke-dasharray="6 4"`;
      parts.push(
        `<polyline points="${points.join(" ")}" fill="none" stroke="${colours[kind]}" stroke-width="2"${dash}/>`,
        ...points.map((p) => {
          const [px, py] = p.split(",");
          return `<circle cx="${px}" cy="${py}" r="3" fill="${colours[kind]}"/>`;
        }),
        `<line x1="${width - pad.right + 10}" y1="${legend}" x2="${width - pad.right + 34}" y2="${legend}" stroke="${colours[kind]}" stroke-width="2"${dash}/>`,
        `<text x="${width - pad.right + 40}" y="${legend}" dominant-baseline="middle">${LABELS[kind]}${checkpoints ? "" : " (no checkpoints)"}</text>`,
      );
      legend += 18;
    }
  }
  parts.push("</svg>", "");
  return parts.join("\n");
}

/** Writes bench/results.md and bench/results.svg (or into `outDir`). */
export function writeResults(result: ScaleResult, outDir: string): void {
  writeFileSync(join(outDir, "results.md"), renderMarkdown(result));
  writeFileSync(join(outDir, "results.svg"), renderSvg(result));
}

/**
 * The scale bench as `npm run bench` runs it. Env: BENCH_SIZES (default "10,100,400"), BENCH_ROUNDS
 * (default 3), BENCH_ROUNDS_LARGEST (rounds at the largest N, default BENCH_ROUNDS), BENCH_OUT (default
 * bench/), BENCH_PROFILE=false (no profiled runs; by default one per kind at the largest N).
 */
export async function scaleFromEnv(): Promise<ScaleResult> {
  const sizes = (process.env.BENCH_SIZES ?? "10,100,400").split(",").map(Number);
  const rounds = Number(process.env.BENCH_ROUNDS ?? 3);
  const largest = Math.max(...sizes);
  const roundsLargest = Number(process.env.BENCH_ROUNDS_LARGEST ?? rounds);
  const outDir = process.env.BENCH_OUT ?? import.meta.dirname;
  process.stdout.write(
    `scale: pulumi up creating N tokens vs N no-op dynamic resources, N = ${sizes.join(", ")}\n`,
  );
  const result = await runScale({
    sizes,
    rounds: (n) => (n === largest ? roundsLargest : rounds),
    profileSize: process.env.BENCH_PROFILE === "false" ? 0 : largest,
    log: (line) => process.stdout.write(`  ${line}\n`),
  });
  writeResults(result, outDir);
  process.stdout.write(`\n${renderMarkdown(result)}\nwrote ${join(outDir, "results.md")} and results.svg\n`);
  return result;
}

if (import.meta.main) await scaleFromEnv();
