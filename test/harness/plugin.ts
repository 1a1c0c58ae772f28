/**
 * The `pulumi-resource-tokens` plugin of this checkout, for tests that drive it through the engine
 * (from TypeScript, Python or Go programs).
 *
 * {@link pluginDir} is a directory holding one executable, `pulumi-resource-tokens`, that runs this
 * checkout's plugin with the Node running the tests: the TypeScript sources (src/plugin/main.ts) when
 * this Node strips types, else the build (dist/plugin/main.js, `npm run build`). The engine finds it
 * on PATH ({@link pluginEnv}: an ambient plugin) or through a project's
 * `plugins.providers: [{ name: "tokens", path: pluginDir() }]` ({@link pluginProjectSettings}).
 * The shipped `bin/pulumi-resource-tokens` runs dist/ with the `node` on PATH.
 *
 * {@link packagedPlugin} is the other way users get it: the tarball of scripts/package-plugin.sh (a
 * single executable, installed with `pulumi plugin install --file`); {@link probePlugin} starts either
 * as the engine does and measures it.
 */
import { execFile, spawn } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { emptyproto, grpc, pluginproto, provproto, provrpc } from "../../src/plugin/wire.ts";

const execFileAsync = promisify(execFile);

/** The plugin's executable name. */
export const PLUGIN_NAME = "pulumi-resource-tokens";
/** The package name (type tokens `tokens:<vendor>:<Type>`, config keys `tokens:<key>`). */
export const PACKAGE_NAME = "tokens";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const DIR = join(ROOT, ".cache", "plugin-bin");

/** The entry the wrapper runs: the sources when this Node strips types, else the build. */
export function pluginEntry(): string {
  const features = process.features as { typescript?: string | false };
  if (features.typescript) return join(ROOT, "src", "plugin", "main.ts");
  const built = join(ROOT, "dist", "plugin", "main.js");
  if (!existsSync(built)) throw new Error(`${built} is missing: run npm run build`);
  return built;
}

let made: string | undefined;

/** A directory with an executable `pulumi-resource-tokens` running this checkout's plugin (made once). */
export function pluginDir(): string {
  if (made !== undefined) return made;
  const script = `#!/bin/sh\nexec ${JSON.stringify(process.execPath)} ${JSON.stringify(pluginEntry())} "$@"\n`;
  const target = join(DIR, PLUGIN_NAME);
  const current = existsSync(target) ? readFileSync(target, "utf8") : undefined;
  if (current !== script) {
    mkdirSync(DIR, { recursive: true });
    // Written beside and renamed: parallel test files never see a half-written script.
    const temporary = `${target}.${process.pid}.tmp`;
    writeFileSync(temporary, script);
    chmodSync(temporary, 0o755);
    renameSync(temporary, target);
  }
  made = DIR;
  return made;
}

/** The plugin executable's path. */
export function pluginPath(): string {
  return join(pluginDir(), PLUGIN_NAME);
}

/** Environment that puts the plugin on PATH (first), for the CLI and the processes it starts. */
export function pluginEnv(base: NodeJS.ProcessEnv = process.env): { PATH: string } {
  return { PATH: [pluginDir(), dirname(process.execPath), base.PATH ?? ""].join(":") };
}

/** `plugins.providers` of a Pulumi project that loads the plugin from {@link pluginDir}. */
export function pluginProjectSettings(): { providers: { name: string; path: string }[] } {
  return { providers: [{ name: PACKAGE_NAME, path: pluginDir() }] };
}

/** The plugin tarball scripts/package-plugin.sh builds (cached by its inputs): its path. */
export async function packagedPlugin(timeout = 600_000): Promise<string> {
  const { stdout } = await execFileAsync("bash", [join(ROOT, "scripts", "package-plugin.sh")], {
    cwd: ROOT,
    timeout,
    maxBuffer: 16 * 1024 * 1024,
  });
  return stdout.trim().split("\n").at(-1) ?? "";
}

/** What {@link probePlugin} saw. */
export interface PluginProbe {
  /** From spawn to the port on stdout, ms. */
  portMs: number;
  /** From spawn to the GetPluginInfo answer, ms. */
  firstAnswerMs: number;
  version: string;
  schema: string;
  /** Resident set size after the answers and a second idle, MB. */
  idleRssMb: number;
}

/**
 * Starts a plugin executable as the engine does (it prints its port, then serves gRPC), asks
 * GetPluginInfo and GetSchema, measures how long the first answer took and the idle RSS, and stops it.
 */
export async function probePlugin(
  command: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  timeout = 20_000,
): Promise<PluginProbe> {
  const started = performance.now();
  const child = spawn(command, args, { env, stdio: ["ignore", "pipe", "pipe"] });
  let stderr = "";
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  const timer = setTimeout(() => child.kill("SIGKILL"), timeout);
  try {
    const port = await new Promise<string>((resolve, reject) => {
      let stdout = "";
      child.stdout.on("data", (chunk: Buffer) => {
        stdout += chunk.toString();
        if (stdout.includes("\n")) resolve(stdout.split("\n")[0]?.trim() ?? "");
      });
      child.on("exit", (code, signal) =>
        reject(new Error(`${command} exited (${code ?? signal}) before printing a port: ${stderr}`)),
      );
      child.on("error", reject);
    });
    const portMs = performance.now() - started;
    const client = new provrpc.ResourceProviderClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
    try {
      const info = await new Promise<InstanceType<typeof pluginproto.PluginInfo>>((resolve, reject) =>
        client.getPluginInfo(new emptyproto.Empty(), (error, answer) =>
          error ? reject(error) : resolve(answer),
        ),
      );
      const firstAnswerMs = performance.now() - started;
      const schema = await new Promise<string>((resolve, reject) =>
        client.getSchema(new provproto.GetSchemaRequest(), (error, answer) =>
          error ? reject(error) : resolve(answer.getSchema()),
        ),
      );
      await new Promise((resolve) => setTimeout(resolve, 1000));
      const status = readFileSync(`/proc/${child.pid}/status`, "utf8");
      const rssKb = Number(/^VmRSS:\s+(\d+) kB$/m.exec(status)?.[1]);
      return { portMs, firstAnswerMs, version: info.getVersion(), schema, idleRssMb: rssKb / 1024 };
    } finally {
      client.close();
    }
  } finally {
    clearTimeout(timer);
    child.kill("SIGTERM");
  }
}
