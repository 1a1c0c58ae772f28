/**
 * Pulumi YAML programs run the way users run them (issue #29): the real `pulumi` CLI in a copy of
 * examples/yaml (a directory project, `runtime: yaml`, an explicit `pulumi:providers:tokens` and one
 * token of each kind), with the real YAML language host (`pulumi-language-yaml` v1.25.0, built by
 * scripts/ensure-yaml.sh) and the tokens plugin as users install it (the packaged single executable,
 * installed by docs/languages.md's command; the projects' `plugins.providers` block, which points at a
 * clone's npm bin, is left out of the test's copies; no node or npm on PATH), against the emulators (NetBird and Gcore on plain HTTP, ICP over HTTPS with its generated CA).
 *
 * Steps, each asserting the exact change summary and the exact API requests: a preview of the new
 * stack (no API call, outputs unknown); `pulumi up` (which previews first: each token issued once);
 * `pulumi up --expect-no-changes` (no API call); the clock past every rotatesAt, so the preview shows
 * the rotations with their reasons (no API call) and `pulumi up` rotates; the NetBird token deleted
 * behind Pulumi's back, so `pulumi up --refresh` creates it again; a consumer YAML stack reads the
 * token through a StackReference, as a secret; `pulumi destroy` revokes. Then the default-provider
 * variant (examples/yaml-default-provider, `tokens:*` stack config) through create and destroy. No
 * credential or token may appear in anything printed or in `pulumi stack export`.
 */
import { execFile, execFileSync } from "node:child_process";
import { existsSync, readFileSync, realpathSync } from "node:fs";
import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { homedir, tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Emulator } from "../../src/emulator/index.ts";
import { CLI_BIN_DIR } from "../harness/cli-path.ts";
import { pulumiCommand } from "../harness/engine.ts";
import { findSecrets, resourcesOf } from "../harness/secrets.ts";
import {
  minutes,
  NO_CALLS,
  PROGRAM_SETTINGS,
  startThreeApis,
  T0,
  type ThreeApis,
} from "../harness/three-apis.ts";
import { installPackagedPlugin } from "../languages/toolchains.ts";

const execFileAsync = promisify(execFile);
const ROOT = fileURLToPath(new URL("../..", import.meta.url));

const PASSPHRASE = "pulumi-tokens-yaml-tests";
/** Bound of one CLI command; a test (step) is bounded by {@link TEST_TIMEOUT}. */
const COMMAND_TIMEOUT = 90_000;
const TEST_TIMEOUT = 150_000;
/** scripts/ensure-yaml.sh: seconds when built, about 6 min cold on 2 free cores. */
const BUILD_TIMEOUT = 1_500_000;
/** The block loading a clone's npm bin that the examples' Pulumi.yaml hold, left out of the test's copies. */
const EXAMPLE_PLUGIN_BLOCK = "plugins:\n  providers:\n    - name: tokens\n      path: ../../bin\n";

const SETTINGS = PROGRAM_SETTINGS;

/** The pulumi-yaml version tools/pulumi-yaml/go.mod pins (what scripts/ensure-yaml.sh builds). */
const HOST_VERSION =
  /github\.com\/pulumi\/pulumi-yaml v(\S+)/.exec(
    readFileSync(join(ROOT, "tools", "pulumi-yaml", "go.mod"), "utf8"),
  )?.[1] ?? "unknown";

/**
 * Whether scripts/ensure-yaml.sh can provide the YAML language host: built already, shipped beside an
 * official CLI the test's CLI links to, or Go >= 1.24.7 (what pulumi-yaml v1.25.0 declares) to build it.
 */
function hostPresence(): { present: true } | { present: false; why: string } {
  const cache =
    process.env.PULUMI_TOKENS_CACHE ??
    join(process.env.XDG_CACHE_HOME ?? join(homedir(), ".cache"), "pulumi-tokens");
  if (existsSync(join(cache, "pulumi-yaml", `v${HOST_VERSION}`, "pulumi-language-yaml")))
    return { present: true };
  const cli = join(CLI_BIN_DIR, "pulumi");
  const official = existsSync(cli) ? dirname(realpathSync(cli)) : undefined;
  if (official && official !== dirname(cli) && existsSync(join(official, "pulumi-language-yaml")))
    return { present: true };
  let line: string | undefined;
  for (const go of ["go", "/usr/local/go/bin/go"]) {
    try {
      line = execFileSync(go, ["version"], { encoding: "utf8", timeout: 10_000 }).trim();
      break;
    } catch {
      // the next candidate
    }
  }
  if (!line) return { present: false, why: "no go on PATH (or /usr/local/go/bin/go) to build it" };
  const [major, minor, patch] = (/go(\d+)\.(\d+)(?:\.(\d+))?/.exec(line) ?? [])
    .slice(1, 4)
    .map((part) => Number(part ?? 0));
  if (major === undefined || minor === undefined || patch === undefined)
    return { present: false, why: `cannot read the Go version from "${line}"` };
  const ok = major > 1 || minor > 24 || (minor === 24 && patch >= 7);
  return ok ? { present: true } : { present: false, why: `${line}: building it needs Go >= 1.24.7` };
}

const presence = hostPresence();
const TITLE = "Pulumi YAML programs by `pulumi up` (the real YAML language host, the tokens plugin)";

if (!presence.present) {
  const why = `SKIPPED: the YAML e2e (test/yaml): no Pulumi YAML language host: ${presence.why}`;
  // eslint-disable-next-line no-console -- a missing toolchain must be loud, not a quiet skip
  console.warn(`\n${"!".repeat(why.length)}\n${why}\n${"!".repeat(why.length)}\n`);
  describe(TITLE, () => {
    if (process.env.CI === "true") {
      it("the YAML language host can be built (required in CI)", () => {
        throw new Error(why);
      });
    } else {
      it(why, () => {
        expect(presence.present).toBe(false);
      });
    }
  });
} else {
  describe(TITLE, () => {
    let apis: ThreeApis;
    let plain: Emulator; // NetBird and Gcore
    let tls: Emulator; // ICP, over HTTPS
    let dir: string;
    let cli: string;
    let env: Record<string, string>;
    const transcript: string[] = [];
    const seenSecrets = new Set<string>();

    beforeAll(async () => {
      const started = Date.now();
      try {
        await execFileAsync("bash", [join(ROOT, "scripts", "ensure-yaml.sh")], {
          cwd: ROOT,
          timeout: BUILD_TIMEOUT,
          maxBuffer: 16 * 1024 * 1024,
        });
      } catch (error) {
        const { stderr } = error as { stderr?: string };
        throw new Error(`scripts/ensure-yaml.sh failed: ${String(error)}\n${stderr ?? ""}`, { cause: error });
      }
      // eslint-disable-next-line no-console -- how long the (cached) host build took, which cold runs need to see
      console.info(`yaml: scripts/ensure-yaml.sh took ${((Date.now() - started) / 1000).toFixed(1)}s`);

      apis = await startThreeApis(T0);
      ({ plain, tls } = apis);
      for (const credential of apis.credentials) seenSecrets.add(credential);
      cli = (await pulumiCommand()).command;
      dir = await mkdtemp(join(tmpdir(), "pt-yaml-"));
      await Promise.all(["home", "backend"].map((name) => mkdir(join(dir, name))));
      // The plugin as users install it, by the guide's command, into the stacks' PULUMI_HOME.
      await installPackagedPlugin(cli, join(dir, "home"), dir);
      // A clean environment: PATH holds only the CLI's directory (the YAML host and converter beside it):
      // no node, no npm, no plugin; the credentials reach the plugin through stack config only.
      env = {
        PATH: dirname(cli),
        HOME: process.env.HOME ?? dir,
        PULUMI_HOME: join(dir, "home"),
        PULUMI_BACKEND_URL: `file://${join(dir, "backend")}`,
        PULUMI_CONFIG_PASSPHRASE: PASSPHRASE,
        PULUMI_SKIP_UPDATE_CHECK: "true",
        PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
      };
    }, BUILD_TIMEOUT + 60_000);

    afterAll(async () => {
      await apis?.close();
      if (dir) await rm(dir, { recursive: true, force: true });
    });

    const at = (when: Date) => apis.at(when);
    const drain = () => apis.drain();

    /** Copies an example into the test's directory, without the block that loads a clone's npm bin. */
    const project = async (example: string): Promise<string> => {
      const target = join(dir, example);
      await cp(join(ROOT, "examples", example), target, { recursive: true });
      const file = join(target, "Pulumi.yaml");
      const text = await readFile(file, "utf8");
      if (text.includes("plugins:")) {
        expect(text).toContain(EXAMPLE_PLUGIN_BLOCK);
        await writeFile(file, text.replace(EXAMPLE_PLUGIN_BLOCK, ""));
      }
      return target;
    };

    /** Runs the CLI in a project directory; what it prints joins the transcript. */
    const pulumi = async (cwd: string, args: string[]): Promise<string> => {
      try {
        const { stdout, stderr } = await execFileAsync(
          cli,
          [...args, "--non-interactive", "--color", "never"],
          {
            cwd,
            env: { ...env, PULUMI_TOKENS_NOW: apis.now().toISOString() },
            timeout: COMMAND_TIMEOUT,
            maxBuffer: 64 * 1024 * 1024,
          },
        );
        transcript.push(stdout, stderr);
        return `${stdout}\n${stderr}`;
      } catch (error) {
        const failed = error as { stdout?: string; stderr?: string };
        transcript.push(failed.stdout ?? "", failed.stderr ?? "");
        throw new Error(
          `pulumi ${args.join(" ")} failed: ${String(error)}\n${failed.stdout ?? ""}\n${failed.stderr ?? ""}`,
          { cause: error },
        );
      }
    };

    /** The stack's outputs as printed (secrets as "[secret]"). */
    const outputs = async (cwd: string) =>
      JSON.parse(await pulumi(cwd, ["stack", "output", "--json"])) as Record<string, unknown>;

    /** The secret values of the stack's outputs; kept out of the transcript, remembered as secrets. */
    const secretsOf = async (cwd: string, keys: string[]): Promise<Record<string, string>> => {
      const { stdout } = await execFileAsync(cli, ["stack", "output", "--json", "--show-secrets"], {
        cwd,
        env,
        timeout: COMMAND_TIMEOUT,
      });
      const all = JSON.parse(stdout) as Record<string, unknown>;
      const secrets = Object.fromEntries(keys.map((key) => [key, String(all[key])]));
      for (const value of Object.values(secrets)) seenSecrets.add(value);
      return secrets;
    };

    /** The stack's state as `pulumi stack export` prints it (secrets encrypted); checked for plaintext. */
    const exportState = async (cwd: string): Promise<string> => {
      const state = await pulumi(cwd, ["stack", "export"]);
      expect(state).not.toContain('"plaintext"');
      expect(findSecrets(state, seenSecrets)).toEqual([]);
      return state;
    };

    /**
     * The change summary the CLI printed under "Resources:", e.g. `{ create: 5 }` or `{ update: 3, same: 2 }`.
     */
    const changesOf = (output: string): Record<string, number> => {
      const block = /\nResources:\n((?: {4}.*\n)+)/.exec(output)?.[1];
      expect(block, `no "Resources:" block in:\n${output}`).toBeDefined();
      const names: Record<string, string> = {
        created: "create",
        "to create": "create",
        updated: "update",
        "to update": "update",
        deleted: "delete",
        "to delete": "delete",
        replaced: "replace",
        "to replace": "replace",
        imported: "import",
        "to import": "import",
        unchanged: "same",
      };
      const changes: Record<string, number> = {};
      for (const line of String(block).split("\n")) {
        const match = /^\s+(?:[+~=-]+\s+)?(\d+) (.+?)\s*$/.exec(line);
        const name = match ? names[match[2] ?? ""] : undefined;
        if (match && name) changes[name] = Number(match[1]);
      }
      return changes;
    };

    const liveNetbird = () => plain.netbird.tokens(SETTINGS.netbirdUserId).map((token) => token.id);
    const SECRET_OUTPUTS = ["gcoreAccessToken", "gcoreRefreshToken", "icpToken", "netbirdToken"];

    /** The tokens the stack's outputs hold work at the APIs. */
    const expectWorkingTokens = async (secrets: Record<string, string>) => {
      expect(plain.netbird.authenticate(String(secrets.netbirdToken))).toBe(true);
      await expect(plain.gcore.verifyAccessToken(String(secrets.gcoreAccessToken))).resolves.toMatchObject({
        user_id: 1234,
      });
      await expect(tls.icp.verifyRegistryToken(String(secrets.icpToken))).resolves.toMatchObject({
        sub: tls.seeds.icp.username,
        access: [{ type: "repository", name: "ns/app", actions: ["pull"] }],
      });
    };

    let producer: string;
    let created: { outputs: Record<string, unknown>; secrets: Record<string, string> };
    let rotated: { outputs: Record<string, unknown>; secrets: Record<string, string> };

    it(
      "0. a preview of the new stack calls no API and shows the outputs unknown",
      async () => {
        at(T0);
        producer = await project("yaml");
        await pulumi(producer, ["stack", "init", "test"]);
        await pulumi(producer, [
          "config",
          "set-all",
          ...Object.entries(SETTINGS).flatMap(([key, value]) => ["--plaintext", `${key}=${value}`]),
          "--plaintext",
          `netbirdManagementUrl=${plain.url}`,
          "--secret",
          `netbirdApiToken=${plain.seeds.netbird.adminToken}`,
          "--plaintext",
          `gcoreApiUrl=${plain.url}`,
          "--secret",
          `gcoreApiKey=${plain.seeds.gcore.resellerApiKey}`,
          "--plaintext",
          `icpClusterUrl=${tls.url}`,
          "--plaintext",
          `icpUsername=${tls.seeds.icp.username}`,
          "--secret",
          `icpPassword=${tls.seeds.icp.password}`,
          "--plaintext",
          `icpCaCertificate=${String(tls.caCertificate)}`,
        ]);
        drain();
        const preview = await pulumi(producer, ["preview"]);
        expect(changesOf(preview), preview).toEqual({ create: 5 });
        expect(drain()).toEqual(NO_CALLS);
        expect(liveNetbird()).toEqual([]);
        for (const line of [
          "+  pulumi:providers:tokens provider create",
          "+  tokens:netbird:PersonalAccessToken ci create",
          "+  tokens:gcore:UserToken support create",
          "+  tokens:icp:RegistryToken pull create",
          "netbirdTokenId        : [unknown]",
          "netbirdToken          : [unknown]",
          "gcoreAccessToken      : [unknown]",
          "icpToken              : [unknown]",
          // Known from the inputs alone.
          'icpRegistry           : "127.0.0.1:8500"',
        ]) {
          expect(preview).toContain(line);
        }
        expect(preview).not.toContain("using pulumi-language-yaml from $PATH");
        expect(preview).not.toContain("Warning");
      },
      TEST_TIMEOUT,
    );

    it(
      "1. pulumi up previews, then issues each token exactly once",
      async () => {
        const up = await pulumi(producer, ["up", "--yes"]);
        expect(changesOf(up), up).toEqual({ create: 5 });
        expect(drain()).toEqual({
          netbird: ["netbird.listTokens 200", "netbird.createToken 200"],
          gcore: ["gcore.userToken 200"],
          icp: ["POST icp.identityToken 200", "GET icp.registryToken 200"],
          other: [],
        });
        const printed = await outputs(producer);
        expect(printed).toMatchObject({
          netbirdRotatesAt: "2030-01-01T00:14:24.000Z",
          netbirdPreviousTokenId: null, // an unset output is null in YAML
          gcoreRotatesAt: "2030-01-01T00:20:00.000Z",
          gcoreUsername: plain.seeds.gcore.userEmail,
          icpRegistry: "127.0.0.1:8500",
          icpRotatesAt: "2030-01-01T00:20:00.000Z",
        });
        for (const key of SECRET_OUTPUTS) expect(printed[key]).toBe("[secret]");
        expect(liveNetbird()).toEqual([printed.netbirdTokenId]);
        created = { outputs: printed, secrets: await secretsOf(producer, SECRET_OUTPUTS) };
        await expectWorkingTokens(created.secrets);
      },
      TEST_TIMEOUT,
    );

    it(
      "2. pulumi up with no change: no API call, --expect-no-changes passes",
      async () => {
        at(minutes(10));
        const same = await pulumi(producer, ["up", "--yes", "--expect-no-changes"]);
        expect(changesOf(same), same).toEqual({ same: 5 });
        expect(drain()).toEqual(NO_CALLS);
        expect(await outputs(producer)).toEqual(created.outputs);
      },
      TEST_TIMEOUT,
    );

    it(
      "3. past every rotatesAt: the preview shows the rotations with their reasons (no API call), pulumi up rotates",
      async () => {
        at(minutes(25));
        const preview = await pulumi(producer, ["preview"]);
        expect(changesOf(preview), preview).toEqual({ update: 3, same: 2 });
        expect(drain()).toEqual(NO_CALLS);
        for (const line of [
          "~  tokens:netbird:PersonalAccessToken ci update [diff: ~expiresAt,rotatesAt,token,tokenId]",
          "pulumi-tokens: netbird: svc-ci/ci-pipeline: rotating: rotatesAt 2030-01-01T00:14:24.000Z has passed",
          "~  tokens:gcore:UserToken support update [diff: ~accessToken,expiresAt,refreshToken,rotatesAt]",
          "pulumi-tokens: gcore: users/1234: rotating: rotatesAt 2030-01-01T00:20:00.000Z has passed",
          "~  tokens:icp:RegistryToken pull update [diff: ~dockerConfigJson,expiresAt,rotatesAt,token]",
          "pulumi-tokens: icp: 127.0.0.1:8500/repository:ns/app:pull: rotating: rotatesAt 2030-01-01T00:20:00.000Z has passed",
        ]) {
          expect(preview).toContain(line);
        }
        // The detailed diff shows the secret outputs as [secret] (checked with the transcript at the end).
        const diff = await pulumi(producer, ["preview", "--diff"]);
        expect(diff).toContain("[secret]");
        expect(drain()).toEqual(NO_CALLS);

        const up = await pulumi(producer, ["up", "--yes"]);
        expect(changesOf(up), up).toEqual({ update: 3, same: 2 });
        expect(drain()).toEqual({
          netbird: ["netbird.listTokens 200", "netbird.createToken 200"],
          gcore: ["gcore.refresh 200"],
          icp: ["POST icp.identityToken 200", "GET icp.registryToken 200"],
          other: [],
        });
        const printed = await outputs(producer);
        rotated = { outputs: printed, secrets: await secretsOf(producer, SECRET_OUTPUTS) };
        for (const key of SECRET_OUTPUTS) expect(rotated.secrets[key]).not.toBe(created.secrets[key]);
        const first = created.outputs.netbirdTokenId;
        expect(printed.netbirdTokenId).not.toBe(first);
        expect(printed.netbirdPreviousTokenId).toBe(first);
        expect(liveNetbird()).toEqual([first, printed.netbirdTokenId]);
        expect(printed).toMatchObject({
          netbirdRotatesAt: "2030-01-01T00:39:24.000Z",
          gcoreRotatesAt: "2030-01-01T00:45:00.000Z",
          icpRotatesAt: "2030-01-01T00:45:00.000Z",
        });
        expect(plain.gcore.isRefreshTokenBlacklisted(created.secrets.gcoreRefreshToken ?? "")).toBe(true);
        await expectWorkingTokens(rotated.secrets);
      },
      TEST_TIMEOUT,
    );

    it(
      "4. the NetBird tokens deleted behind Pulumi's back: pulumi up --refresh creates the token again",
      async () => {
        at(minutes(26));
        for (const id of liveNetbird())
          expect(plain.netbird.deleteToken(SETTINGS.netbirdUserId, id)).toBe(true);
        const up = await pulumi(producer, ["up", "--refresh", "--yes"]);
        expect(changesOf(up), up).toEqual({ create: 1, same: 4 });
        expect(drain()).toEqual({
          // The CLI refreshes in its preview too (the Automation API's up() skips the preview): the
          // current and previous NetBird tokens are looked up twice each, the Gcore user twice.
          netbird: [
            "netbird.getToken 404",
            "netbird.getToken 404",
            "netbird.getToken 404",
            "netbird.getToken 404",
            "netbird.listTokens 200",
            "netbird.createToken 200",
          ],
          gcore: ["gcore.getUser 200", "gcore.getUser 200"],
          icp: [],
          other: [],
        });
        const printed = await outputs(producer);
        const secrets = await secretsOf(producer, SECRET_OUTPUTS);
        expect(printed.netbirdTokenId).not.toBe(rotated.outputs.netbirdTokenId);
        expect(printed.netbirdPreviousTokenId).toBeNull();
        expect(liveNetbird()).toEqual([printed.netbirdTokenId]);
        expect(secrets.netbirdToken).not.toBe(rotated.secrets.netbirdToken);
        expect(secrets.gcoreAccessToken).toBe(rotated.secrets.gcoreAccessToken);
        await expectWorkingTokens(secrets);

        // At rest: the plugin's types, no serialized provider, no plain credential or token.
        const state = await exportState(producer);
        expect(
          resourcesOf(state)
            .map((resource) => resource.type)
            .filter((type) => type.startsWith("tokens:") || type.startsWith("pulumi:providers:"))
            .sort(),
        ).toEqual([
          "pulumi:providers:tokens",
          "tokens:gcore:UserToken",
          "tokens:icp:RegistryToken",
          "tokens:netbird:PersonalAccessToken",
        ]);
        expect(state).not.toContain("__provider");
      },
      TEST_TIMEOUT,
    );

    it(
      "5. a consumer YAML stack reads the token through a StackReference, as a secret",
      async () => {
        const consumer = await project("yaml-consumer");
        await pulumi(consumer, ["stack", "init", "test"]);
        await pulumi(consumer, ["config", "set", "producerStack", "organization/tokens-yaml/test"]);
        const up = await pulumi(consumer, ["up", "--yes"]);
        // The StackReference is read, not created: only the stack counts.
        expect(changesOf(up), up).toEqual({ create: 1 });
        expect(up).toContain("read pulumi:pulumi:StackReference producer");
        expect(up).not.toContain("Warning");
        expect(drain()).toEqual(NO_CALLS);
        const producerSecrets = await secretsOf(producer, ["netbirdToken"]);
        const producerOutputs = await outputs(producer);
        expect(await outputs(consumer)).toEqual({
          token: "[secret]",
          tokenRotatesAt: producerOutputs.netbirdRotatesAt,
        });
        expect(await secretsOf(consumer, ["token"])).toEqual({ token: producerSecrets.netbirdToken });
        await exportState(consumer);
        await pulumi(consumer, ["destroy", "--yes"]);
      },
      TEST_TIMEOUT,
    );

    it(
      "6. pulumi destroy revokes the NetBird token; none is left at the emulator",
      async () => {
        at(minutes(27));
        const destroy = await pulumi(producer, ["destroy", "--yes"]);
        expect(changesOf(destroy), destroy).toEqual({ delete: 5 });
        expect(drain()).toEqual({ netbird: ["netbird.deleteToken 200"], gcore: [], icp: [], other: [] });
        expect(liveNetbird()).toEqual([]);
      },
      TEST_TIMEOUT,
    );

    it(
      "pulumi convert --from yaml: to PCL with pulumi-converter-yaml; to YAML not with host v1.25.0",
      async () => {
        const pcl = join(dir, "converted-pcl");
        const converted = await pulumi(producer, [
          "convert",
          "--from",
          "yaml",
          "--language",
          "pcl",
          "--out",
          pcl,
        ]);
        // Converter plugins are not bundled with the CLI: found on PATH, with a warning.
        expect(converted).toContain("warning: using pulumi-converter-yaml from $PATH");
        const program = await readFile(join(pcl, "program.pp"), "utf8");
        for (const line of [
          'resource provider "pulumi:providers:tokens" {',
          'resource ci "tokens:netbird:PersonalAccessToken" {',
          'resource support "tokens:gcore:UserToken" {',
          'resource pull "tokens:icp:RegistryToken" {',
        ]) {
          expect(program).toContain(line);
        }
        await expect(
          pulumi(producer, [
            "convert",
            "--from",
            "yaml",
            "--language",
            "yaml",
            "--out",
            join(dir, "converted-yaml"),
          ]),
        ).rejects.toThrow(
          "error generating packages: failed to link SDK to project: linking package: method Link not implemented",
        );
        expect(drain()).toEqual(NO_CALLS);
      },
      TEST_TIMEOUT,
    );

    it(
      "the default-provider variant: tokens:* stack config; create, pulumi import (generates YAML), destroy",
      async () => {
        at(minutes(30));
        const variant = await project("yaml-default-provider");
        await pulumi(variant, ["stack", "init", "test"]);
        await pulumi(variant, [
          "config",
          "set-all",
          "--plaintext",
          `tokens:netbirdManagementUrl=${plain.url}`,
          "--secret",
          `tokens:netbirdApiToken=${plain.seeds.netbird.adminToken}`,
          "--plaintext",
          `tokens:gcoreApiUrl=${plain.url}`,
          "--secret",
          `tokens:gcoreApiKey=${plain.seeds.gcore.resellerApiKey}`,
          "--plaintext",
          `tokens:icpClusterUrl=${tls.url}`,
          "--plaintext",
          `tokens:icpUsername=${tls.seeds.icp.username}`,
          "--secret",
          `tokens:icpPassword=${tls.seeds.icp.password}`,
          "--plaintext",
          `tokens:icpCaCertificate=${String(tls.caCertificate)}`,
        ]);
        const up = await pulumi(variant, ["up", "--yes"]);
        expect(changesOf(up), up).toEqual({ create: 4 });
        expect(drain()).toEqual({
          netbird: ["netbird.listTokens 200", "netbird.createToken 200"],
          gcore: ["gcore.userToken 200"],
          icp: ["POST icp.identityToken 200", "GET icp.registryToken 200"],
          other: [],
        });
        const printed = await outputs(variant);
        for (const key of ["netbirdToken", "gcoreAccessToken", "icpToken"])
          expect(printed[key]).toBe("[secret]");
        expect(liveNetbird()).toEqual([printed.netbirdTokenId]);
        const secrets = await secretsOf(variant, ["netbirdToken", "gcoreAccessToken", "icpToken"]);
        await expectWorkingTokens(secrets);
        await exportState(variant);

        // `pulumi import` of a token made outside Pulumi: the YAML host writes the resource's YAML.
        const response = await fetch(`${plain.url}/api/users/svc-ci/tokens`, {
          method: "POST",
          headers: {
            Authorization: `Token ${plain.seeds.netbird.adminToken}`,
            "Content-Type": "application/json",
          },
          body: JSON.stringify({ name: "legacy", expires_in: 30 }),
        });
        const legacy = (await response.json()) as {
          plain_token: string;
          personal_access_token: { id: string };
        };
        seenSecrets.add(legacy.plain_token);
        drain();
        const generated = join(variant, "imported.yaml");
        const imported = await pulumi(variant, [
          "import",
          "tokens:netbird:PersonalAccessToken",
          "legacy",
          `svc-ci/${legacy.personal_access_token.id}`,
          "--yes",
          "--protect=false",
          "--out",
          generated,
        ]);
        expect(changesOf(imported), imported).toEqual({ import: 1, same: 4 });
        // Read once by the import's preview, once by the import.
        expect(drain()).toEqual({
          netbird: ["netbird.getToken 200", "netbird.getToken 200"],
          gcore: [],
          icp: [],
          other: [],
        });
        const code = await readFile(generated, "utf8");
        transcript.push(code);
        expect(code).toBe(
          [
            "resources:",
            "  legacy:",
            "    type: tokens:netbird:PersonalAccessToken",
            "    properties:",
            "      expiresInDays: 30",
            "      name: legacy",
            "      userId: svc-ci",
            "",
          ].join("\n"),
        );
        // The generated resource added to the program matches what was imported: no change, no API call.
        const file = join(variant, "Pulumi.yaml");
        const program = await readFile(file, "utf8");
        await writeFile(file, program.replace("\nresources:\n", `\n${code.trimEnd()}\n`));
        const after = await pulumi(variant, ["preview", "--expect-no-changes"]);
        expect(changesOf(after), after).toEqual({ same: 5 });
        expect(drain()).toEqual(NO_CALLS);

        const destroy = await pulumi(variant, ["destroy", "--yes"]);
        expect(changesOf(destroy), destroy).toEqual({ delete: 5 });
        expect(drain()).toEqual({
          netbird: ["netbird.deleteToken 200", "netbird.deleteToken 200"],
          gcore: [],
          icp: [],
          other: [],
        });
        expect(liveNetbird()).toEqual([]);
      },
      TEST_TIMEOUT,
    );

    it("no credential or token was printed by any command", () => {
      expect(seenSecrets.size).toBeGreaterThanOrEqual(3 + 4 + 4 + 1 + 3);
      const printed = transcript.join("\n");
      for (const type of [
        "tokens:netbird:PersonalAccessToken",
        "tokens:gcore:UserToken",
        "tokens:icp:RegistryToken",
      ]) {
        expect(printed).toContain(type);
      }
      expect(findSecrets(printed, seenSecrets)).toEqual([]);
      // Nothing else warned (no deprecated config block, no host from PATH unlike the one beside the CLI).
      const notices = printed
        .split("\n")
        .filter((line) => /\b(warning|error)\b/i.test(line))
        .map((line) => line.replace(/ at \/\S+$/, " at <path>"));
      expect(notices).toEqual([
        "warning: using pulumi-converter-yaml from $PATH at <path>",
        "warning: using pulumi-converter-yaml from $PATH at <path>",
        "error: could not generate output program: error generating packages: failed to link SDK to project: linking package: method Link not implemented",
      ]);
    });
  });
}
