// `npm run bench`: what the providers' decisions cost, as ratios measured in this one run.
//
// 1. Provider level (no engine): a plain-`up` diff (local, no API call) against a refresh read and a
//    rotation, per vendor, against the emulators on loopback.
// 2. The stored provider: a diff through the `__provider` text against the provider's own, and the
//    `__provider` size in state.
// 3. The real engine, one stack with one resource of each kind: `pulumi up` with nothing due against
//    `pulumi up --refresh` and `pulumi preview`.
// 4. The scale bench (bench/scale.ts, also runnable alone): `pulumi up` creating N tokens against N
//    no-op dynamic resources, written to bench/results.md and bench/results.svg (env: see
//    scaleFromEnv there). BENCH_SCALE_ONLY=true skips 1–3, which bench/decisions.ts measures.
import { decisions } from "./decisions.ts";
import { scaleFromEnv } from "./scale.ts";

if (process.env.BENCH_SCALE_ONLY !== "true") await decisions();

process.stdout.write("\n");
await scaleFromEnv();
