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
//
// bench/scale/, one concern a file: kinds.ts (what is created N times), controls.ts (the resources and
// programs), emulator.ts + emulator-process.ts (the API in a process of its own), measure.ts (one
// `pulumi up`), sampler.ts (the processes' CPU and RSS from /proc), at-rest.ts (the exported state),
// cold-start.ts (the provider host's first calls), run.ts (the rounds and the rows), result.ts (the
// shapes), markdown.ts and svg.ts (bench/results.md and bench/results.svg).
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { renderMarkdown } from "./scale/markdown.ts";
import type { ScaleResult } from "./scale/result.ts";
import { runScale } from "./scale/run.ts";
import { renderSvg } from "./scale/svg.ts";

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
