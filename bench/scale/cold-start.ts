// The provider host's cold start: spawned as the engine spawns it, then `configure` and two `check`s
// over gRPC.
import { type ChildProcessByStdio, spawn } from "node:child_process";
import { createRequire } from "node:module";
import { join } from "node:path";
import type { Readable } from "node:stream";
import type { Emulator } from "../../src/emulator/index.ts";
import { stackConfig } from "./emulator.ts";
import { type Kind, TYPES } from "./kinds.ts";
import { BENCH_PATH, ROOT } from "./paths.ts";

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

/**
 * Spawns the provider host as the engine does and times its first calls (see {@link ColdStart}), with
 * the `__provider` text a `pulumi up` stored for this kind.
 */
export async function coldStart(kind: Kind, emulator: Emulator, providerText: string): Promise<ColdStart> {
  const stubs = loadStubs(); // before the clock starts: the bench process pays for loading them, not the host
  const started = performance.now();
  const host = spawnProviderHost(kind);
  try {
    const port = await host.port;
    const listeningMs = performance.now() - started;
    const client = providerClient(stubs, port);
    await client.configure(providerConfig(kind, emulator));
    const check = () =>
      client.check(`urn:pulumi:bench::bench::${TYPES[kind]}::cold`, checkNews(kind, providerText));
    if ((await check()) > 0) throw new Error(`cold start: ${kind} check failed`);
    const firstCheckMs = performance.now() - started;
    const warmStart = performance.now();
    await check();
    const warmCheckMs = performance.now() - warmStart;
    client.close();
    return { kind, listeningMs, firstCheckMs, warmCheckMs };
  } finally {
    await host.stop();
  }
}

/** The inputs of a first `check`: the stored provider text (dynamic resources) and valid inputs. */
function checkNews(kind: Kind, providerText: string): Record<string, unknown> {
  const news: Record<Kind, Record<string, unknown>> = {
    noop: { __provider: providerText, index: 0 },
    secretNoop: { __provider: providerText, index: 0 },
    patShapedNoop: { __provider: providerText, userId: "svc-ci", name: "cold", expiresInDays: 30 },
    netbird: { __provider: providerText, userId: "svc-ci", name: "cold", expiresInDays: 30 },
    gcore: { __provider: providerText, userId: 1234 },
    plugin: { userId: "svc-ci", name: "cold", expiresInDays: 30 },
  };
  return news[kind];
}

/** The dynamic-provider host takes the stack config as it is; the plugin its own keys without "tokens:". */
function providerConfig(kind: Kind, emulator: Emulator): Record<string, string> {
  const config: Record<string, string> = {};
  for (const [key, { value }] of Object.entries(stackConfig(emulator))) {
    if (kind !== "plugin") config[key] = value;
    else if (key.startsWith("tokens:")) config[key.slice("tokens:".length)] = value;
  }
  return config;
}

/** The provider host of a kind, started; `port` resolves when it prints its port, `stop` ends it. */
function spawnProviderHost(kind: Kind): { port: Promise<string>; stop(): Promise<void> } {
  const child: ChildProcessByStdio<null, Readable, null> = spawn(
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
  const port = new Promise<string>((resolvePort, reject) => {
    let text = "";
    child.stdout.on("data", (chunk: Buffer) => {
      text += chunk.toString();
      const match = /^(\d+)\s*$/m.exec(text);
      if (match?.[1]) resolvePort(match[1]);
    });
    child.once("exit", (code) => reject(new Error(`the provider host exited (${code}) before listening`)));
  });
  return {
    port,
    async stop() {
      if (child.pid !== undefined && child.exitCode === null) process.kill(-child.pid, "SIGTERM");
      await exited;
      child.stdout.destroy();
    },
  };
}

/** gRPC and Pulumi's generated provider stubs and messages, as the package's dependencies ship them. */
function loadStubs() {
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
  return { grpc, services, messages, Struct };
}
type Stubs = ReturnType<typeof loadStubs>;

/**
 * A ResourceProvider gRPC client on the host's port, with Pulumi's own stubs and messages:
 * `configure`, and `check`, which answers the number of failures.
 */
function providerClient(
  stubs: Stubs,
  port: string,
): {
  configure(config: Record<string, string>): Promise<unknown>;
  check(urn: string, news: Record<string, unknown>): Promise<number>;
  close(): void;
} {
  const { grpc, services, messages, Struct } = stubs;
  const client = new services.ResourceProviderClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
  const call = (method: string, request: unknown) =>
    new Promise<unknown>((resolveCall, reject) =>
      (client[method] as (r: unknown, cb: (e: Error | null, v: unknown) => void) => void).call(
        client,
        request,
        (error, value) => (error ? reject(error) : resolveCall(value)),
      ),
    );
  return {
    configure(config) {
      const request = new (messages.ConfigureRequest as new () => { setArgs(v: unknown): void })();
      request.setArgs(Struct.fromJavaScript(config));
      return call("configure", request);
    },
    async check(urn, news) {
      const request = new (
        messages.CheckRequest as new () => {
          setUrn(v: string): void;
          setOlds(v: unknown): void;
          setNews(v: unknown): void;
        }
      )();
      request.setUrn(urn);
      request.setOlds(Struct.fromJavaScript({}));
      request.setNews(Struct.fromJavaScript(news));
      const answer = (await call("check", request)) as { getFailuresList(): unknown[] };
      return answer.getFailuresList().length;
    },
    close: () => (client as unknown as { close(): void }).close(),
  };
}
