// scripts/ensure-pulumi.sh when another checkout's npm `pulumi` launcher is on PATH: it must keep the real CLI
// in the cache location. Linking the launcher there made every `pulumi` start itself until memory ran out.
import { execFileSync } from "node:child_process";
import {
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readlinkSync,
  realpathSync,
  rmSync,
  symlinkSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, dirname, join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";

const ROOT = join(import.meta.dirname, "../..");
const version = (
  JSON.parse(
    execFileSync("node", ["-p", 'JSON.stringify(require("@pulumi/pulumi/package.json"))'], {
      cwd: ROOT,
      encoding: "utf8",
    }),
  ) as { version: string }
).version;
const work = mkdtempSync(join(tmpdir(), "ensure-pulumi-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe("scripts/ensure-pulumi.sh", () => {
  it("ignores an npm launcher of another checkout on PATH and keeps the CLI it has", () => {
    const realCli = realpathSync(
      join(
        process.env.PULUMI_HOME ?? join(process.env.HOME ?? "", ".pulumi"),
        "versions",
        version,
        "bin",
        "pulumi",
      ),
    );
    // A checkout of its own (the script works on its parent directory), sharing this one's node_modules.
    const repo = join(work, "repo");
    mkdirSync(join(repo, "scripts"), { recursive: true });
    copyFileSync(join(ROOT, "scripts/ensure-pulumi.sh"), join(repo, "scripts/ensure-pulumi.sh"));
    copyFileSync(join(ROOT, "scripts/lib.sh"), join(repo, "scripts/lib.sh"));
    symlinkSync(join(ROOT, "node_modules"), join(repo, "node_modules"));
    // The cache location already holds the CLI.
    const home = join(work, "home");
    const cli = join(home, "versions", version, "bin", "pulumi");
    mkdirSync(dirname(cli), { recursive: true });
    symlinkSync(realCli, cli);
    // Another checkout's launcher, first on PATH.
    const other = join(work, "other/node_modules/.bin");
    mkdirSync(other, { recursive: true });
    symlinkSync(join(ROOT, "node_modules/pulumi/run.js"), join(other, "pulumi"));

    const printed = execFileSync("bash", [join(repo, "scripts/ensure-pulumi.sh")], {
      encoding: "utf8",
      env: {
        ...process.env,
        PULUMI_HOME: home,
        PATH: [other, dirname(process.execPath), "/usr/bin", "/bin"].join(delimiter),
      },
    });

    expect(printed).toContain(`setup: using pulumi v${version} from ${join(home, "versions", version)}`);
    expect(readlinkSync(cli)).toBe(realCli);
    expect(realpathSync(join(repo, ".pulumi/bin/pulumi"))).toBe(realCli);
  });
});
