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
//    scaleFromEnv there). BENCH_SCALE_ONLY=true skips 1–3.
import type * as pulumi from "@pulumi/pulumi";
import { captureNotices } from "../src/core/log.ts";
import { providerSource } from "../src/core/provider-shim.ts";
import { loadProviderSource } from "./stored-provider.ts";
import { emulatorConfig } from "../examples/demo/emulator-config.ts";
import { startEmulator } from "../src/emulator/index.ts";
import { providers } from "../src/providers.ts";
import { TestStack } from "../test/harness/engine.ts";
import { scaleFromEnv } from "./scale.ts";

type Bag = Record<string, unknown>;
const MINUTE = 60_000;

async function median(runs: number, task: () => Promise<unknown>): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const started = performance.now();
    await task();
    times.push(performance.now() - started);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)] ?? Number.NaN;
}

const fmt = (ms: number) => (ms < 1 ? `${(ms * 1000).toFixed(1)} µs` : `${ms.toFixed(1)} ms`);
const ratio = (r: number) => (r >= 10 ? String(Math.round(r)) : r.toPrecision(2));
const row = (label: string, ms: number, base: number) =>
  process.stdout.write(`  ${label.padEnd(44)} ${fmt(ms).padStart(10)}   ×${ratio(ms / base)}\n`);

async function decisions(): Promise<void> {
  const plain = await startEmulator();
  const tls = await startEmulator({ tls: true });
  const start = new Date(Math.floor(Date.now() / MINUTE) * MINUTE);
  process.env.PULUMI_TOKENS_NOW = start.toISOString();
  for (const emulator of [plain, tls]) emulator.clock.set(start);

  const inputs: Record<"netbird" | "gcore" | "icp", Bag> = {
    netbird: {
      userId: plain.seeds.netbird.serviceUserId,
      name: "bench",
      expiresInDays: 30,
      managementUrl: plain.url,
      apiToken: plain.seeds.netbird.adminToken,
    },
    gcore: { userId: plain.seeds.gcore.userId, apiUrl: plain.url, apiKey: plain.seeds.gcore.resellerApiKey },
    icp: {
      clusterUrl: tls.url,
      username: tls.seeds.icp.username,
      password: tls.seeds.icp.password,
      caCertificate: tls.caCertificate,
      scope: `repository:${tls.seeds.icp.repositories[0]}:pull`,
    },
  };

  const notices: string[] = [];
  const restoreNotices = captureNotices((line) => notices.push(line));

  try {
    process.stdout.write("provider level (median; ratio to the plain-up diff of the same vendor)\n");
    for (const vendor of ["netbird", "gcore", "icp"] as const) {
      const provider = providers[vendor] as Required<pulumi.dynamic.ResourceProvider>;
      const checked = (await provider.check({}, inputs[vendor])).inputs as Bag;
      const created = await provider.create(checked);
      const outs = created.outs as Bag;
      const diff = await median(2000, () => provider.diff(created.id, outs, checked));
      const read = await median(30, () => provider.read(created.id, outs));
      // Chain the state: a Gcore refresh token works once, so each rotation must start from the last.
      let current = outs;
      const rotate = await median(10, async () => {
        const next = { ...checked, rotationTrigger: `${Math.random()}` };
        current = (await provider.update(created.id, current, next)).outs as Bag;
      });
      process.stdout.write(`${vendor}\n`);
      row("diff, nothing due (plain pulumi up)", diff, diff);
      row("read (pulumi refresh)", read, diff);
      row("update with rotation", rotate, diff);
      if (vendor === "netbird") {
        const stored = loadProviderSource(
          providerSource("pulumi-tokens/providers", "netbird"),
        ) as Required<pulumi.dynamic.ResourceProvider>;
        const viaStored = await median(2000, () => stored.diff(created.id, outs, checked));
        row("diff through the stored __provider", viaStored, diff);
      }
      await provider.delete(created.id, current);
    }
    delete process.env.PULUMI_TOKENS_NOW;
    restoreNotices();
    process.stdout.write(
      `  (${notices.length} engine-log notices during the provider runs, e.g. destroy of JWTs that cannot be revoked)\n`,
    );

    process.stdout.write(
      "\nreal engine, one resource of each kind (median of 3; ratio to pulumi up with nothing due)\n",
    );
    const { default: program } = await import("../examples/demo/index.ts");
    const stack = await TestStack.open({
      projectName: "pulumi-tokens-demo",
      program,
      config: emulatorConfig(plain, tls, "pull"),
    });
    stack.setNow(start);
    try {
      await stack.up();
      const idle = await median(3, () => stack.up());
      const refresh = await median(3, () => stack.up({ refresh: true }));
      const preview = await median(3, () => stack.preview());
      row("pulumi up, nothing due (0 API calls)", idle, idle);
      row("pulumi up --refresh", refresh, idle);
      row("pulumi preview", preview, idle);
      for (const type of ["netbird:PersonalAccessToken", "gcore:UserToken", "icp:RegistryToken"]) {
        const outputs = await stack.resourceOutputs(`pulumi-nodejs:dynamic/${type}`);
        process.stdout.write(`  __provider stored for ${type}: ${String(outputs.__provider).length} bytes\n`);
      }
      await stack.destroy();
    } finally {
      await stack.dispose();
    }
  } finally {
    await plain.close();
    await tls.close();
  }
}

if (process.env.BENCH_SCALE_ONLY !== "true") await decisions();

process.stdout.write("\n");
await scaleFromEnv();
