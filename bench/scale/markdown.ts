// bench/results.md: the tables of the scale bench's result, section by section.
import { COMPONENTS } from "../profile.ts";
import { PAT_SHAPED_NOOP_PROVIDER, USER_TOKEN_SECRET_CHARS } from "./controls.ts";
import { COMPARED_KINDS, type ComparedKind, KINDS, LABELS } from "./kinds.ts";
import type { ProviderProfile, ScaleResult } from "./result.ts";

const seconds = (ms: number) => (ms / 1000).toFixed(2);
const range = (s: { median: number; min: number; max: number }) =>
  `${seconds(s.median)} s (${seconds(s.min)}–${seconds(s.max)})`;
const times = (r: { median: number; min: number; max: number }) =>
  `**${r.median.toFixed(2)}** (${r.min.toFixed(2)}–${r.max.toFixed(2)})`;

/** bench/results.md. */
export function renderMarkdown(result: ScaleResult): string {
  return [
    ...wallTimes(result),
    ...againstControls(result),
    ...whereTheTimeGoes(result),
    ...atRest(result),
    ...providerProcess(result),
    "",
    ...renderProfiles(result.profiles),
  ].join("\n");
}

/** The title, how it was measured, and the wall time of each kind against the no-op. */
function wallTimes(result: ScaleResult): string[] {
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
  return lines;
}

/** Each token's ratio against the no-op and against its control. */
function againstControls(result: ScaleResult): string[] {
  const lines: string[] = [];
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
  return lines;
}

/** CPU time per process and API calls per resource. */
function whereTheTimeGoes(result: ScaleResult): string[] {
  const lines: string[] = [];
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
  return lines;
}

/** What one resource of each kind stores. */
function atRest(result: ScaleResult): string[] {
  const lines: string[] = [];
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
  return lines;
}

/** The provider process's peak RSS and cold start. */
function providerProcess(result: ScaleResult): string[] {
  const lines: string[] = [];
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
  return lines;
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
