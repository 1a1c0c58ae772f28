/**
 * Real registry parts for the registry e2e: the CNCF distribution registry and crane, built by
 * scripts/ensure-registry.sh (cached), and a registry run on loopback with TLS from the emulator's CA
 * and token auth trusting the emulator's signing key (its JWKS).
 *
 * Without Go the parts cannot be built: under CI=true that fails the run, elsewhere a loud SKIPPED line.
 */
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { type Emulator, startEmulator } from "../../src/emulator/index.ts";

const execFileAsync = promisify(execFile);
const ROOT = fileURLToPath(new URL("../..", import.meta.url));

/** Where the built `registry` and `crane` are, or why there are none. */
export type RegistryTools = { present: true; dir: string; seconds: number } | { present: false; why: string };

let tools: Promise<RegistryTools> | undefined;

/**
 * Runs scripts/ensure-registry.sh once per process (seconds when cached, ~5 min cold). Exit 2 = no Go:
 * absent (the caller skips loudly, or fails under CI=true); any other failure throws.
 */
export function registryTools(): Promise<RegistryTools> {
  tools ??= (async () => {
    const started = Date.now();
    try {
      const { stdout } = await execFileAsync("bash", [join(ROOT, "scripts/ensure-registry.sh")], {
        cwd: ROOT,
        timeout: 1_200_000,
        maxBuffer: 16 * 1024 * 1024,
      });
      return { present: true, dir: stdout.trim(), seconds: (Date.now() - started) / 1000 };
    } catch (error) {
      const failure = error as { code?: unknown; stderr?: string };
      if (failure.code === 2) return { present: false, why: String(failure.stderr ?? "").trim() };
      throw new Error(`scripts/ensure-registry.sh failed: ${String(failure.stderr ?? error).slice(-2000)}`, {
        cause: error,
      });
    }
  })();
  return tools;
}

/** The built binaries, or none (the caller skips its tests). */
export type RegistryBinaries = { present: true; registry: string; crane: string } | { present: false };

/**
 * {@link registryTools} for a test file: the paths of `registry` and `crane`; without them, under CI=true it
 * throws (the run fails), elsewhere it prints a loud `SKIPPED:` line naming `testFile` and returns absent.
 */
export async function registryBinariesFor(testFile: string): Promise<RegistryBinaries> {
  const found = await registryTools();
  if (found.present) {
    return { present: true, registry: join(found.dir, "registry"), crane: join(found.dir, "crane") };
  }
  if (process.env.CI === "true") {
    throw new Error(`CI=true: the registry and crane must be built, but: ${found.why}`);
  }
  // eslint-disable-next-line no-console -- a skip must be loud
  console.warn(`SKIPPED: ${testFile}: no registry/crane (${found.why})`);
  return { present: false };
}

/** A free TCP port on 127.0.0.1 (closed again before it is returned). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** A running distribution registry. */
export interface RunningRegistry {
  /** `localhost:<port>`: the reference prefix and docker config key clients use. */
  readonly host: string;
  /** `https://localhost:<port>`. */
  readonly url: string;
  /** The token realm it challenges with. */
  readonly realm: string;
  /** The service it wants as `aud`. */
  readonly service: string;
  /** Everything the registry printed so far. */
  log(): string;
  stop(): Promise<void>;
}

/** The token endpoints of the emulator a registry can send its clients to (`realmPath` of {@link startRegistry}). */
export const REALM_PATHS = {
  /** ICP's image-manager (the default). */
  icp: "/image-manager/api/v1/auth/token",
  /** The generic token server (`emulator.registry`, seeds `registry.realmPath`). */
  generic: "/auth/token",
} as const;

/**
 * Starts `registry serve` on 127.0.0.1 with TLS from the emulator's CA (certificate for localhost and
 * 127.0.0.1) and `auth.token`: realm = the emulator's token endpoint (`realmPath`, default ICP's) as
 * `https://localhost:<port>` (crane refuses loopback IP-literal realms), the given service, issuer
 * `registry-token-issuer` and the JWKS the emulator publishes (one key signs the tokens of ICP and of the
 * generic token server, so the same config trusts both). Resolves once `GET /v2/` answers its 401 challenge.
 */
export async function startRegistry(
  registryBinary: string,
  emulator: Emulator,
  options: { service: string; timeoutMs?: number; realmPath?: string },
): Promise<RunningRegistry> {
  const dir = await mkdtemp(join(tmpdir(), "pt-registry-"));
  const port = await freePort();
  const emulatorPort = new URL(emulator.url).port;
  const realm = `https://localhost:${emulatorPort}${options.realmPath ?? REALM_PATHS.icp}`;
  const certificate = await emulator.issueCertificate({
    dnsNames: ["localhost"],
    ipAddresses: ["127.0.0.1"],
  });
  await mkdir(join(dir, "data"));
  await writeFile(join(dir, "cert.pem"), certificate.certificatePem);
  await writeFile(join(dir, "key.pem"), certificate.privateKeyPem, { mode: 0o600 });
  await writeFile(join(dir, "jwks.json"), JSON.stringify(emulator.icp.registrySigningKey().jwks));
  // YAML is a superset of JSON: the config is written as JSON.
  const config = {
    version: 0.1,
    log: { level: "info", formatter: "text", accesslog: { disabled: false } },
    storage: { filesystem: { rootdirectory: join(dir, "data") }, delete: { enabled: true } },
    http: {
      addr: `127.0.0.1:${port}`,
      tls: { certificate: join(dir, "cert.pem"), key: join(dir, "key.pem") },
    },
    auth: {
      token: {
        realm,
        service: options.service,
        issuer: "registry-token-issuer",
        jwks: join(dir, "jwks.json"),
      },
    },
  };
  await writeFile(join(dir, "config.yml"), JSON.stringify(config, null, 2));

  let output = "";
  const child: ChildProcess = spawn(registryBinary, ["serve", join(dir, "config.yml")], {
    stdio: ["ignore", "pipe", "pipe"],
    // No tracing exporter: nothing listens for OTLP here.
    env: { ...process.env, OTEL_TRACES_EXPORTER: "none", OTEL_SDK_DISABLED: "true" },
  });
  child.stdout?.on("data", (chunk: Buffer) => (output += chunk.toString("utf8")));
  child.stderr?.on("data", (chunk: Buffer) => (output += chunk.toString("utf8")));
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));

  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
    await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 5000))]);
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
    await rm(dir, { recursive: true, force: true });
  };

  const deadline = Date.now() + (options.timeoutMs ?? 20_000);
  const ca = emulator.caCertificate;
  for (;;) {
    if (child.exitCode !== null) {
      await stop();
      throw new Error(`the registry exited with ${child.exitCode}:\n${output.slice(-3000)}`);
    }
    const status = await probe(port, ca).catch(() => undefined);
    if (status === 401) break;
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`the registry did not answer GET /v2/ with 401 in time:\n${output.slice(-3000)}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return {
    host: `localhost:${port}`,
    url: `https://localhost:${port}`,
    realm,
    service: options.service,
    log: () => output,
    stop,
  };
}

/** `GET https://localhost:<port>/v2/` trusting `ca`: the status. */
async function probe(port: number, ca: string | undefined): Promise<number> {
  const { request } = await import("node:https");
  return new Promise((resolve, reject) => {
    const req = request(
      { host: "127.0.0.1", servername: "localhost", port, path: "/v2/", ca, timeout: 2000 },
      (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      },
    );
    req.on("error", reject);
    req.on("timeout", () => req.destroy(new Error("timeout")));
    req.end();
  });
}

/** What one crane run printed. */
export interface CraneResult {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs crane with the emulator's CA as its only trust (`SSL_CERT_FILE`), a `DOCKER_CONFIG` directory
 * (or an empty one: anonymous) and a HOME of its own, so no ambient credentials are used.
 */
export async function crane(
  craneBinary: string,
  args: string[],
  options: { caFile: string; dockerConfigDir: string; timeoutMs?: number },
): Promise<CraneResult> {
  return new Promise((resolve) => {
    execFile(
      craneBinary,
      args,
      {
        timeout: options.timeoutMs ?? 60_000,
        env: {
          PATH: process.env.PATH ?? "/usr/bin:/bin",
          HOME: options.dockerConfigDir,
          DOCKER_CONFIG: options.dockerConfigDir,
          SSL_CERT_FILE: options.caFile,
          SSL_CERT_DIR: options.dockerConfigDir,
        },
        maxBuffer: 64 * 1024 * 1024,
      },
      (error, stdout, stderr) => {
        const code = error === null ? 0 : typeof error.code === "number" ? error.code : -1;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

/** An emulator (TLS, real time), a registry trusting it, a work directory and a one-file layer to push. */
export interface RegistryScene {
  readonly emu: Emulator;
  readonly registry: RunningRegistry;
  /** A temporary directory, removed by `stop`. */
  readonly work: string;
  /** A tar of one small file, for `crane append -f`. */
  readonly layer: string;
  /**
   * crane with the emulator CA as its only trust and `config` as its docker config.json: a string is written
   * verbatim (a `dockerConfigJson` output as users write it), anything else JSON-encoded.
   */
  craneWith(config: unknown, args: string[]): Promise<CraneResult>;
  stop(): Promise<void>;
}

/**
 * Starts a {@link RegistryScene}: the emulator with TLS on real time (the registry checks exp/nbf against the
 * system clock) and a registry whose realm is the emulator's `realmPath` for `service`.
 */
export async function startRegistryScene(
  binaries: { registry: string; crane: string },
  options: { service: string; realmPath?: string },
): Promise<RegistryScene> {
  const emu = await startEmulator({ tls: true, now: new Date() });
  emu.clock.useRealTime();
  const registry = await startRegistry(binaries.registry, emu, options).catch(async (error: unknown) => {
    await emu.close();
    throw error;
  });
  const work = await mkdtemp(join(tmpdir(), "pt-registry-scene-"));
  const caFile = join(work, "ca.pem");
  await writeFile(caFile, String(emu.caCertificate));
  await writeFile(join(work, "hello.txt"), "hello from pulumi-tokens\n");
  const layer = join(work, "layer.tar");
  await execFileAsync("tar", ["-C", work, "-cf", layer, "hello.txt"]);
  let configs = 0;
  return {
    emu,
    registry,
    work,
    layer,
    async craneWith(config, args) {
      const dir = join(work, `docker-config-${++configs}`);
      await mkdir(dir);
      await writeFile(join(dir, "config.json"), typeof config === "string" ? config : JSON.stringify(config));
      return crane(binaries.crane, args, { caFile, dockerConfigDir: dir });
    },
    async stop() {
      await registry.stop();
      await emu.close();
      await rm(work, { recursive: true, force: true });
    },
  };
}
