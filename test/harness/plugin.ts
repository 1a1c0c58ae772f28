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
 */
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

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
