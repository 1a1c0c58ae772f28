// The package as users get it: `npm pack` of a clean copy of the sources (prepack builds dist/), the
// tarball installed with @pulumi/pulumi and TypeScript into fresh projects outside the repo (an ESM
// project and a CommonJS project laid out like Pulumi's TypeScript template), type-checked under every
// module resolution users have, and a program run from each project through the real engine with the
// project's own Automation API, on Node 26 and on Node 22 (the oldest line `engines` allows).
import { execFile } from "node:child_process";
import { access, cp, mkdir, mkdtemp, readFile, rm, symlink, writeFile } from "node:fs/promises";
import { homedir, tmpdir } from "node:os";
import { delimiter, dirname, join, resolve } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { pulumiCommand } from "../harness/engine.ts";
import { KINDS } from "../../src/kinds.ts";
import { typeToken } from "../../src/plugin/resources.ts";

const execFileAsync = promisify(execFile);
const REPO = resolve(import.meta.dirname, "../..");
const FIXTURES = join(import.meta.dirname, "fixtures");
const MINUTE = 60_000;
/** Node 22 from the npm `node` package, installed once and reused. */
const NODE22_DIR = join(
  process.env.PULUMI_TOKENS_CACHE ??
    join(process.env.XDG_CACHE_HOME ?? join(homedir(), ".cache"), "pulumi-tokens"),
  "node22",
);
const NODE22 = join(NODE22_DIR, "node_modules", ".bin", "node");

interface Run {
  stdout: string;
  stderr: string;
}

/** Runs a command, failing with its output when it fails. */
async function run(
  file: string,
  args: string[],
  options: { cwd: string; env?: NodeJS.ProcessEnv; timeoutMs?: number },
): Promise<Run> {
  try {
    const { stdout, stderr } = await execFileAsync(file, args, {
      cwd: options.cwd,
      env: options.env ?? process.env,
      timeout: options.timeoutMs ?? 5 * MINUTE,
      maxBuffer: 64 * 1024 * 1024,
      encoding: "utf8",
    });
    return { stdout, stderr };
  } catch (error) {
    const failed = error as { stdout?: string; stderr?: string; message: string };
    throw new Error(
      `${file} ${args.join(" ")} (in ${options.cwd}) failed: ${failed.message}\n${failed.stdout ?? ""}\n${failed.stderr ?? ""}`,
      { cause: error },
    );
  }
}

/** PATH without anything from this repo, with `nodeDir` first: what a user's shell would have. */
function userPath(nodeDir: string): string {
  const rest = (process.env.PATH ?? "").split(delimiter).filter((entry) => entry && !entry.startsWith(REPO));
  return [nodeDir, ...rest].join(delimiter);
}

/** An environment without the repo's test settings (clock, Pulumi home, debug switches). */
function userEnv(nodeDir: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, PATH: userPath(nodeDir), ...extra };
  for (const name of Object.keys(env)) {
    if (/^(PULUMI_|NB_|GCORE_|ICP_|NODE_OPTIONS$|NODE_PATH$|npm_|VITEST)/.test(name) && !(name in extra)) {
      delete env[name];
    }
  }
  return env;
}

/** npm, run by Node 26 with a user's environment (one shared npm cache: the user's default). */
const npm = (args: string[], cwd: string, timeoutMs = 5 * MINUTE) =>
  run("npm", [...args, "--no-audit", "--no-fund", "--loglevel=error"], {
    cwd,
    timeoutMs,
    env: userEnv(dirname(process.execPath)),
  });

interface PackedFile {
  path: string;
  size: number;
}
interface Packed {
  filename: string;
  size: number;
  unpackedSize: number;
  files: PackedFile[];
}

/** `npm pack` of a copy of exactly what a clean checkout has for the package (its node_modules linked). */
async function pack(work: string): Promise<Packed & { tarball: string }> {
  const source = join(work, "source");
  await mkdir(join(source, "scripts"), { recursive: true });
  for (const path of [
    "package.json",
    "tsconfig.json",
    "tsconfig.build.json",
    "LICENSE",
    "README.md",
    "docs",
    "bin",
    "src",
  ]) {
    await cp(join(REPO, path), join(source, path), { recursive: true });
  }
  await cp(join(REPO, "scripts", "cjs-types.mjs"), join(source, "scripts", "cjs-types.mjs"));
  await symlink(join(REPO, "node_modules"), join(source, "node_modules"), "dir");
  const { stdout } = await npm(["pack", "--json", "--pack-destination", work], source);
  const [packed] = JSON.parse(stdout.slice(stdout.indexOf("["))) as Packed[];
  if (!packed) throw new Error(`npm pack printed no result: ${stdout}`);
  return { ...packed, tarball: join(work, packed.filename) };
}

/** Node 22 (the oldest supported line) from the npm `node` package, in the user cache. */
async function node22(): Promise<string> {
  const works = await run(NODE22, ["--version"], { cwd: REPO }).then(
    ({ stdout }) => stdout.startsWith("v22."),
    () => false,
  );
  if (!works) {
    await mkdir(NODE22_DIR, { recursive: true });
    await writeFile(
      join(NODE22_DIR, "package.json"),
      `${JSON.stringify({ name: "node22", private: true, allowScripts: { node: true } })}\n`,
    );
    await npm(["install", "--no-save", "node@22"], NODE22_DIR);
  }
  return NODE22;
}

/** A fresh project with the tarball, @pulumi/pulumi and TypeScript installed, and the fixtures. */
async function project(
  dir: string,
  tarball: string,
  manifest: Record<string, unknown>,
  tsconfig: unknown,
  typescript: string,
): Promise<void> {
  // the versions this repo develops and tests with (@pulumi/pulumi is a peer dependency of the package)
  const repoManifest = JSON.parse(await readFile(join(REPO, "package.json"), "utf8")) as {
    devDependencies: Record<string, string>;
  };
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, "package.json"), `${JSON.stringify({ ...manifest, private: true }, null, 2)}\n`);
  await writeFile(join(dir, "tsconfig.json"), `${JSON.stringify(tsconfig, null, 2)}\n`);
  await cp(join(FIXTURES, "program.ts"), join(dir, "index.ts"));
  await cp(join(FIXTURES, "usage.ts"), join(dir, "usage.ts"));
  await npm(
    [
      "install",
      "--prefer-offline",
      tarball,
      `@pulumi/pulumi@${repoManifest.devDependencies["@pulumi/pulumi"]}`,
      `typescript@${typescript}`,
      `@types/node@${repoManifest.devDependencies["@types/node"]}`,
    ],
    dir,
    8 * MINUTE,
  );
}

interface ProgramResult {
  node: string;
  nodeOnPath: string;
  created: Record<string, number>;
  tokenId: string;
  tokenIsSecret: boolean;
  liveAfterUp: string[];
  providerLoadsPackage: boolean;
  deleted: Record<string, number>;
  liveAfterDestroy: string[];
  printed: string;
  /** What the program process itself wrote to stderr. */
  stderr: string;
}

let work: string;
let packed: Packed & { tarball: string };
let cliRoot: string;
let node22Binary: string;
const esm = () => join(work, "esm");
const cjs = () => join(work, "cjs");

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), "pt-install-"));
  const started = Date.now();
  const [command, packedTarball, node] = await Promise.all([pulumiCommand(), pack(work), node22()]);
  packed = packedTarball;
  node22Binary = node;
  cliRoot = dirname(dirname(command.command));
  const repoTypescript = (
    JSON.parse(await readFile(join(REPO, "package.json"), "utf8")) as {
      devDependencies: Record<string, string>;
    }
  ).devDependencies.typescript;
  if (!repoTypescript) throw new Error("package.json has no devDependency typescript");
  await Promise.all([
    // An ESM project (nodenext).
    project(
      esm(),
      packed.tarball,
      { name: "installed-esm", type: "module", main: "dist/index.js" },
      {
        compilerOptions: {
          strict: true,
          target: "es2022",
          module: "nodenext",
          moduleResolution: "nodenext",
          outDir: "dist",
          types: ["node"],
        },
        files: ["index.ts"],
      },
      // the TypeScript this repo builds with (@pulumi/pulumi 3.259 accepts TypeScript < 7)
      repoTypescript,
    ),
    // A CommonJS project laid out like Pulumi's TypeScript template (`pulumi new typescript`).
    project(
      cjs(),
      packed.tarball,
      { name: "installed-cjs", main: "bin/index.js" },
      {
        compilerOptions: {
          strict: true,
          outDir: "bin",
          target: "es2020",
          module: "commonjs",
          moduleResolution: "node",
          sourceMap: true,
          experimentalDecorators: true,
          pretty: true,
          noFallthroughCasesInSwitch: true,
          noImplicitReturns: true,
          forceConsistentCasingInFileNames: true,
        },
        files: ["index.ts"],
      },
      // Pulumi's template leaves TypeScript to the project; a 5.x that projects of that layout have
      "5",
    ),
  ]);
  process.stdout.write(
    `install test: packed ${packed.filename} (${packed.size} B, ${packed.unpackedSize} B unpacked, ` +
      `${packed.files.length} files) and set up two projects in ${((Date.now() - started) / 1000).toFixed(0)} s\n`,
  );
}, 15 * MINUTE);

afterAll(async () => {
  if (work) await rm(work, { recursive: true, force: true });
});

describe("the packed tarball", () => {
  it("holds the built package, its LICENSE, README and user docs, and nothing else", async () => {
    const paths = packed.files.map((file) => file.path);
    expect(paths).toEqual(
      expect.arrayContaining(["package.json", "LICENSE", "README.md", "docs/reference.md", "dist/index.js"]),
    );
    expect(paths).toEqual(
      expect.arrayContaining([
        "dist/index.d.ts",
        "dist/cjs/index.d.ts",
        "dist/cjs/package.json",
        "dist/emulator/index.js",
        "dist/providers.js",
        "dist/plugin/main.js",
        "bin/pulumi-resource-tokens",
        "src/plugin/schema.json",
      ]),
    );
    const unexpected = paths.filter(
      (path) =>
        !/^(package\.json|LICENSE|README\.md|docs\/[\w-]+\.md|bin\/pulumi-resource-tokens|src\/plugin\/schema\.json|dist\/(cjs\/package\.json|(cjs\/)?[\w/-]+\.d\.ts|[\w/-]+\.js))$/.test(
          path,
        ) || /^dist\/cjs\/.*\.js$/.test(path),
    );
    expect(unexpected).toEqual([]);
    expect(packed.size).toBeLessThan(300_000);
    // the ESM build has no top-level await, so CommonJS can require() it
    const installed = join(esm(), "node_modules", "pulumi-tokens");
    const { stdout } = await run(
      process.execPath,
      [
        "-e",
        'for (const m of ["pulumi-tokens", "pulumi-tokens/emulator", "pulumi-tokens/providers"]) ' +
          "console.log(m, Object.keys(require(m)).length > 0)",
      ],
      { cwd: cjs() },
    );
    expect(stdout).toBe("pulumi-tokens true\npulumi-tokens/emulator true\npulumi-tokens/providers true\n");
    expect(JSON.parse(await readFile(join(installed, "package.json"), "utf8"))).toMatchObject({
      name: "pulumi-tokens",
      license: "Apache-2.0",
      // one @pulumi/pulumi per program: the program's own
      peerDependencies: { "@pulumi/pulumi": expect.stringMatching(/^\^3\./) },
    });
    expect(
      JSON.parse(await readFile(join(installed, "package.json"), "utf8")).dependencies,
    ).not.toHaveProperty("@pulumi/pulumi");
    await expect(access(join(installed, "LICENSE"))).resolves.toBeUndefined();
  });
});

describe("the provider plugin from the tarball", () => {
  it(
    "is installed as node_modules/.bin/pulumi-resource-tokens and serves the checked-in schema",
    async () => {
      const bin = join(esm(), "node_modules", ".bin", "pulumi-resource-tokens");
      await expect(access(bin)).resolves.toBeUndefined();
      // The CLI starts the plugin (as the engine does) and asks for its schema.
      const { stdout } = await run(join(cliRoot, "bin", "pulumi"), ["package", "get-schema", bin], {
        cwd: esm(),
        env: userEnv(dirname(process.execPath), { PULUMI_HOME: join(work, "plugin-home") }),
        timeoutMs: 2 * MINUTE,
      });
      const served = JSON.parse(stdout) as {
        name: string;
        version: string;
        resources: Record<string, unknown>;
      };
      const checkedIn = JSON.parse(await readFile(join(REPO, "src", "plugin", "schema.json"), "utf8")) as {
        resources: Record<string, unknown>;
      };
      expect(served.name).toBe("tokens");
      expect(Object.keys(served.resources).sort()).toEqual(KINDS.map((kind) => typeToken(kind)).sort());
      expect(served.resources).toEqual(checkedIn.resources);
    },
    3 * MINUTE,
  );
});

/** tsc --strict --noEmit of usage.ts in `dir`, with that project's TypeScript and these options. */
async function typecheck(dir: string, name: string, options: Record<string, string>): Promise<string> {
  const config = `tsconfig.check-${name.replace(/\W+/g, "-")}.json`;
  const compilerOptions = { strict: true, noEmit: true, target: "es2022", types: ["node"], ...options };
  await writeFile(
    join(dir, config),
    `${JSON.stringify({ compilerOptions, files: ["usage.ts"] }, null, 2)}\n`,
  );
  const tsc = join(dir, "node_modules", "typescript", "bin", "tsc");
  try {
    const { stdout } = await run(process.execPath, [tsc, "-p", config], { cwd: dir, timeoutMs: 3 * MINUTE });
    return stdout;
  } catch (error) {
    return (error as Error).message;
  }
}

describe("the types resolve for every module resolution (tsc --strict)", () => {
  const cases: [string, () => string, Record<string, string>][] = [
    ["nodenext, ESM", esm, { module: "nodenext", moduleResolution: "nodenext" }],
    ["node16, ESM", esm, { module: "node16", moduleResolution: "node16" }],
    ["bundler", esm, { module: "esnext", moduleResolution: "bundler" }],
    ["nodenext, CommonJS", cjs, { module: "nodenext", moduleResolution: "nodenext" }],
    ["node16, CommonJS", cjs, { module: "node16", moduleResolution: "node16" }],
    ["node (Pulumi's template: module commonjs)", cjs, { module: "commonjs", moduleResolution: "node" }],
  ];
  it.each(cases)(
    "%s",
    async (name, dir, options) => {
      expect(await typecheck(dir(), name, options)).toBe("");
    },
    3 * MINUTE,
  );
});

/** Compiles the project with its own tsc and runs its program with `node`, from the project dir. */
async function runProgram(dir: string, entry: string, node: string): Promise<ProgramResult> {
  const { stdout, stderr } = await run(node, [entry], {
    cwd: dir,
    env: userEnv(dirname(node), { PULUMI_CLI_ROOT: cliRoot }),
    timeoutMs: 4 * MINUTE,
  });
  const line = stdout.split("\n").find((candidate) => candidate.startsWith("RESULT "));
  if (!line) throw new Error(`the program printed no RESULT line:\n${stdout}`);
  return { ...(JSON.parse(line.slice("RESULT ".length)) as ProgramResult), stderr };
}

function expectCreatedAndDestroyed(result: ProgramResult, nodeMajor: string): void {
  expect(result.node.split(".")[0]).toBe(nodeMajor);
  expect(result.nodeOnPath).toBe(result.node); // the provider processes run on this Node too
  expect(result.created).toEqual({ create: 2 });
  expect(result.tokenIsSecret).toBe(true);
  expect(result.liveAfterUp).toEqual([result.tokenId]);
  expect(result.providerLoadsPackage).toBe(true);
  expect(result.deleted).toEqual({ delete: 2 });
  expect(result.liveAfterDestroy).toEqual([]);
  expect(result.printed).not.toMatch(/warning|error/i);
  // No Node warnings either (0.1.0 let Pulumi's closure serializer load node:ffi: "ExperimentalWarning: FFI …")
  expect(result.stderr).toBe("");
}

describe("a program in a fresh project runs through the real engine", () => {
  beforeAll(async () => {
    await Promise.all([
      run(process.execPath, [join("node_modules", "typescript", "bin", "tsc"), "-p", "."], { cwd: esm() }),
      run(process.execPath, [join("node_modules", "typescript", "bin", "tsc"), "-p", "."], { cwd: cjs() }),
    ]);
  }, 5 * MINUTE);

  it(
    "ESM project (nodenext), Node 26",
    async () => {
      expectCreatedAndDestroyed(await runProgram(esm(), "dist/index.js", process.execPath), "v26");
    },
    5 * MINUTE,
  );

  it(
    "CommonJS project (Pulumi's TypeScript template), Node 26",
    async () => {
      expectCreatedAndDestroyed(await runProgram(cjs(), "bin/index.js", process.execPath), "v26");
    },
    5 * MINUTE,
  );

  it(
    "ESM project (nodenext), Node 22",
    async () => {
      expectCreatedAndDestroyed(await runProgram(esm(), "dist/index.js", node22Binary), "v22");
    },
    5 * MINUTE,
  );

  it(
    "CommonJS project (Pulumi's TypeScript template), Node 22",
    async () => {
      expectCreatedAndDestroyed(await runProgram(cjs(), "bin/index.js", node22Binary), "v22");
    },
    5 * MINUTE,
  );
});
