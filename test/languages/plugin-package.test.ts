// The plugin users install without npm (issue #29): `npm run package-plugin` makes a tarball holding a
// single executable; `pulumi plugin install resource tokens <version> --file <tarball>` installs it,
// and the installed plugin answers the engine with no `node` on PATH. Also measures it against the
// npm bin (bin/pulumi-resource-tokens with Node on PATH): start to the first gRPC answer, idle RSS.
import { execFile } from "node:child_process";
import { mkdtemp, readdir, readFile, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { pulumiCommand } from "../harness/engine.ts";
import { packagedPlugin, type PluginProbe, probePlugin } from "../harness/plugin.ts";
import { guideCommands, log, ROOT } from "./toolchains.ts";

const execFileAsync = promisify(execFile);
const VERSION = (JSON.parse(await readFile(join(ROOT, "package.json"), "utf8")) as { version: string })
  .version;
const SCHEMA = JSON.parse(await readFile(join(ROOT, "src", "plugin", "schema.json"), "utf8")) as unknown;
const TARBALL = `pulumi-resource-tokens-v${VERSION}-linux-amd64.tar.gz`;

describe("the packaged plugin (single executable, pulumi plugin install --file)", () => {
  let tarball: string;
  let dir: string;
  let cli: string;
  let home: string;
  /** The CLI's environment: its own directory only on PATH (no node, no npm). */
  let cliEnv: NodeJS.ProcessEnv;

  beforeAll(async () => {
    const started = Date.now();
    tarball = await packagedPlugin();
    log(`scripts/package-plugin.sh took ${((Date.now() - started) / 1000).toFixed(1)}s`);
    cli = (await pulumiCommand()).command;
    dir = await mkdtemp(join(tmpdir(), "pt-package-"));
    home = join(dir, "home");
    cliEnv = {
      PATH: dirname(cli),
      HOME: dir,
      PULUMI_HOME: home,
      PULUMI_SKIP_UPDATE_CHECK: "true",
      PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
    };
  }, 620_000);

  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("is one executable and its LICENSE, in a tarball named as pulumi plugin install expects", async () => {
    expect(tarball.endsWith(`/${TARBALL}`)).toBe(true);
    const { stdout } = await execFileAsync("tar", ["-tvzf", tarball], { timeout: 60_000 });
    const entries = stdout
      .trim()
      .split("\n")
      .map((line) => {
        const [mode, owner, , , , name] = line.split(/\s+/);
        return `${mode} ${owner} ${name}`;
      });
    expect(entries).toEqual(["-rw-r--r-- 0/0 LICENSE", "-rwxr-xr-x 0/0 pulumi-resource-tokens"]);
    const size = (await stat(tarball)).size / 1024 / 1024;
    log(`${TARBALL}: ${size.toFixed(1)} MB`);
    expect(size).toBeLessThan(80);
  });

  it("installs by the guide's command and serves its schema by name, no node on PATH", async () => {
    // docs/languages.md's command, word for word, in the directory holding the tarball.
    const { stderr } = await execFileAsync("/bin/bash", ["-euo", "pipefail", "-c", guideCommands("plugin")], {
      cwd: dirname(tarball),
      env: cliEnv,
      timeout: 120_000,
    });
    expect(stderr).toContain(`[resource plugin tokens-${VERSION}] installing`);
    const installed = join(home, "plugins", `resource-tokens-v${VERSION}`);
    expect((await readdir(installed)).sort()).toEqual(["LICENSE", "pulumi-resource-tokens"]);

    const { stdout: listed } = await execFileAsync(cli, ["plugin", "ls", "--json"], {
      env: cliEnv,
      timeout: 60_000,
    });
    expect(
      (JSON.parse(listed) as { name: string; kind: string; version: string }[]).map(
        ({ name, kind, version }) => `${kind} ${name} ${version}`,
      ),
    ).toEqual([`resource tokens ${VERSION}`]);

    // The CLI starts the installed plugin and asks it for its schema.
    const { stdout: schema } = await execFileAsync(cli, ["package", "get-schema", "tokens"], {
      env: cliEnv,
      timeout: 60_000,
      maxBuffer: 16 * 1024 * 1024,
    });
    expect(JSON.parse(schema)).toEqual(SCHEMA);
  }, 240_000);

  it("answers from the installed executable; start and idle RSS against the npm bin (medians of 5)", async () => {
    const installed = join(home, "plugins", `resource-tokens-v${VERSION}`, "pulumi-resource-tokens");
    const npmBin = join(ROOT, "bin", "pulumi-resource-tokens");
    const probes: { packaged: PluginProbe[]; npmBin: PluginProbe[] } = { packaged: [], npmBin: [] };
    // Alternately, so both see the same machine load. The executable gets no PATH at all.
    for (let run = 0; run < 5; run++) {
      probes.packaged.push(await probePlugin(installed, [], { PATH: "/nonexistent" }));
      probes.npmBin.push(
        await probePlugin(npmBin, [], { PATH: `${dirname(process.execPath)}:/usr/bin:/bin` }),
      );
    }
    for (const probe of [...probes.packaged, ...probes.npmBin]) {
      expect(probe.version).toBe(VERSION);
      expect(JSON.parse(probe.schema)).toEqual(SCHEMA);
    }
    const median = (values: number[]) => values.sort((a, b) => a - b)[2] ?? Number.NaN;
    const summary = (of: PluginProbe[]) => ({
      firstAnswerMs: median(of.map((probe) => probe.firstAnswerMs)),
      idleRssMb: median(of.map((probe) => probe.idleRssMb)),
    });
    const packaged = summary(probes.packaged);
    const npm = summary(probes.npmBin);
    const row = (name: string, probe: typeof packaged) =>
      `| ${name} | ${probe.firstAnswerMs.toFixed(0)} ms | ${probe.idleRssMb.toFixed(0)} MB |`;
    log(
      [
        "| plugin | start to GetPluginInfo | idle RSS |",
        "| --- | --- | --- |",
        row("single executable (installed)", packaged),
        row(`npm bin (Node ${process.version})`, npm),
      ].join("\n"),
    );
    // Bounds with room for a loaded machine; the table above has the numbers.
    expect(packaged.firstAnswerMs).toBeLessThan(3000);
    expect(packaged.idleRssMb).toBeLessThan(150);
    expect(packaged.idleRssMb).toBeLessThan(npm.idleRssMb);
  }, 240_000);
});
