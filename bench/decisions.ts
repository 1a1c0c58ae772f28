// Parts 1–3 of `npm run bench` (see bench/index.ts): what the providers' decisions cost, at the
// provider level against the emulators on loopback, and through the real engine.
import type * as pulumi from "@pulumi/pulumi";
import { emulatorConfig } from "../examples/demo/emulator-config.ts";
import { NOW_ENV } from "../src/core/clock.ts";
import { captureNotices } from "../src/core/log.ts";
import { providerSource } from "../src/core/provider-shim.ts";
import { type Emulator, startEmulator } from "../src/emulator/index.ts";
import { providers } from "../src/providers.ts";
import { TestStack } from "../test/harness/engine.ts";
import { loadProviderSource } from "./stored-provider.ts";

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

/** Parts 1–3, against two emulators (plain HTTP, and TLS for ICP) whose clock starts on a whole minute. */
export async function decisions(): Promise<void> {
  const plain = await startEmulator();
  const tls = await startEmulator({ tls: true });
  const start = new Date(Math.floor(Date.now() / MINUTE) * MINUTE);
  process.env[NOW_ENV] = start.toISOString();
  for (const emulator of [plain, tls]) emulator.clock.set(start);
  try {
    await providerLevel(plain, tls);
    await realEngine(plain, tls, start);
  } finally {
    await plain.close();
    await tls.close();
  }
}

/** What each vendor's provider is given: the emulators' seeded users and credentials. */
function providerInputs(plain: Emulator, tls: Emulator): Record<"netbird" | "gcore" | "icp", Bag> {
  return {
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
}

/**
 * Part 1 and 2, per vendor: a plain-up diff against a refresh read and a rotation, and (NetBird) a diff
 * through the stored `__provider` text. Unfreezes the clock at the end.
 */
async function providerLevel(plain: Emulator, tls: Emulator): Promise<void> {
  const inputs = providerInputs(plain, tls);
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
  } finally {
    delete process.env[NOW_ENV];
    restoreNotices();
  }
  process.stdout.write(
    `  (${notices.length} engine-log notices during the provider runs, e.g. destroy of JWTs that cannot be revoked)\n`,
  );
}

/** Part 3: the demo stack (one resource of each kind) through the real engine; the stored `__provider` sizes. */
async function realEngine(plain: Emulator, tls: Emulator, start: Date): Promise<void> {
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
}
