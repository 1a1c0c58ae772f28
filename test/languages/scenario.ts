/**
 * The scenario the Python and Go proofs share (issues #13, #29): a program in that language declares
 * one token of each kind through the SDK made for it, and the `tokens` provider plugin serves them
 * through the real engine, against the emulators (NetBird and Gcore on plain HTTP, ICP over HTTPS with
 * its generated CA, as in test/e2e). The plugin is the packaged single executable
 * (scripts/package-plugin.sh), installed with `pulumi plugin install --file` into the stacks'
 * PULUMI_HOME; PATH holds only the CLI's directory (no node, no npm). The program runs one engine
 * operation per process and prints one JSON line (step, change summary, outputs without secret
 * values); the plain secret outputs go to a 0600 file. Steps: a preview of the new stack (no API
 * call, no token, the issued outputs unknown); create; plain up (no API call); the clock past every
 * rotatesAt, so the preview shows three rotations with their reasons (no API call) and a plain up
 * rotates all three; every NetBird token deleted behind Pulumi's back, so `up --refresh` creates it
 * again; destroy revokes. Each step asserts the exact change summary and the exact API requests; the
 * end asserts that no credential or token was printed or stored in plain text.
 */
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Emulator } from "../../src/emulator/index.ts";
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
import { installPackagedPlugin, log, type Presence } from "./toolchains.ts";

const execFileAsync = promisify(execFile);

const PASSPHRASE = "pulumi-tokens-language-tests";
/** Bound of one engine operation (one program run); a test (step) is bounded by {@link TEST_TIMEOUT}. */
const STEP_TIMEOUT = 100_000;
const TEST_TIMEOUT = 115_000;

const SETTINGS = PROGRAM_SETTINGS;

/** How a proof runs its program: the command line for one step and the environment it adds. */
export interface LanguageProgram {
  command: string;
  args: (step: Step) => string[];
  env: Record<string, string>;
}

type Step = "up" | "up-refresh" | "preview" | "destroy";

/** What one step printed and produced. */
interface StepResult {
  /** What the program printed (stdout and stderr, the engine's output included). */
  output: string;
  changes: Record<string, number>;
  /** Outputs by name: `{ value }`, or `{ secret: true }` for a secret (its value is in `secrets`). */
  outputs: Record<string, { value?: unknown; secret?: boolean }>;
  secrets: Record<string, string>;
}

/** Options of {@link describeLanguageProof}. */
export interface LanguageProofOptions {
  /** e.g. "Python". */
  language: string;
  presence: Presence;
  /** Builds what the program needs (venv, SDK, binary); bounded by `prepareTimeout`. */
  prepare: () => Promise<LanguageProgram>;
  prepareTimeout: number;
}

/**
 * Registers the scenario for one language. When its toolchain is missing: under CI (`CI=true`, whose
 * machines have both toolchains) one test that fails with the reason; elsewhere a loud `SKIPPED: <why>`
 * line and one test, named after it, that checks the toolchain really is absent.
 */
export function describeLanguageProof(options: LanguageProofOptions): void {
  const title = `the tokens plugin from ${options.language} (installed tarball and SDK, inline Automation API program)`;
  if (!options.presence.present) {
    const why = `SKIPPED: the ${options.language} proof of the tokens plugin: ${options.presence.why}`;
    // eslint-disable-next-line no-console -- a missing toolchain must be loud, not a quiet skip
    console.warn(`\n${"!".repeat(why.length)}\n${why}\n${"!".repeat(why.length)}\n`);
    describe(title, () => {
      if (process.env.CI === "true") {
        it(`${options.language} toolchain present (required in CI)`, () => {
          throw new Error(why);
        });
      } else {
        it(why, () => {
          expect(options.presence.present).toBe(false);
        });
      }
    });
    return;
  }

  describe(title, () => {
    let apis: ThreeApis;
    let plain: Emulator; // NetBird and Gcore
    let tls: Emulator; // ICP, over HTTPS
    let program: LanguageProgram;
    let dir: string;
    let baseEnv: Record<string, string>;
    const transcript: string[] = [];
    const seenSecrets = new Set<string>();
    const project = `tokens-${options.language.toLowerCase()}`;

    beforeAll(async () => {
      apis = await startThreeApis(T0);
      ({ plain, tls } = apis);
      for (const credential of apis.credentials) seenSecrets.add(credential);
      const started = Date.now();
      program = await options.prepare();
      log(`${options.language} ready in ${((Date.now() - started) / 1000).toFixed(1)}s`);
      dir = await mkdtemp(join(tmpdir(), `pt-${options.language.toLowerCase()}-`));
      const cli = (await pulumiCommand()).command;
      // The plugin as users install it: the packaged single executable, installed into the stacks'
      // PULUMI_HOME by the guide's command, run in the directory holding the tarball.
      await installPackagedPlugin(cli, join(dir, "home"), dir);
      const config = {
        ...Object.fromEntries(Object.entries(SETTINGS).map(([key, value]) => [key, { value }])),
        "tokens:netbirdManagementUrl": { value: plain.url },
        "tokens:netbirdApiToken": { value: plain.seeds.netbird.adminToken, secret: true },
        "tokens:gcoreApiUrl": { value: plain.url },
        "tokens:gcoreApiKey": { value: plain.seeds.gcore.resellerApiKey, secret: true },
        "tokens:icpClusterUrl": { value: tls.url },
        "tokens:icpUsername": { value: tls.seeds.icp.username },
        "tokens:icpPassword": { value: tls.seeds.icp.password, secret: true },
        "tokens:icpCaCertificate": { value: String(tls.caCertificate) },
      };
      // A clean environment: the credentials reach the plugin through the stack config only, and PATH
      // holds only the CLI's directory: no node, no npm, no plugin (the engine finds the installed one).
      baseEnv = {
        PATH: dirname(cli),
        HOME: process.env.HOME ?? dir,
        PT_PULUMI_ROOT: dirname(dirname(cli)),
        PT_PULUMI_HOME: join(dir, "home"),
        PT_BACKEND_URL: `file://${join(dir, "backend")}`,
        PT_WORK_DIR: join(dir, "work"),
        PT_PASSPHRASE: PASSPHRASE,
        PT_STACK: "test",
        PT_PROJECT: project,
        PT_CONFIG: JSON.stringify(config),
        PT_SECRETS_FILE: join(dir, "secrets.json"),
      };
      await Promise.all(
        ["home", "backend", "work"].map((name) => execFileAsync("mkdir", ["-p", join(dir, name)])),
      );
    }, options.prepareTimeout);

    afterAll(async () => {
      await apis?.close();
      if (dir) await rm(dir, { recursive: true, force: true });
    });

    const at = (when: Date) => apis.at(when);
    const drain = () => apis.drain();

    const run = async (step: Step): Promise<StepResult> => {
      const env: Record<string, string> = {
        ...baseEnv,
        ...program.env,
        PULUMI_TOKENS_NOW: apis.now().toISOString(),
      };
      let stdout: string;
      let stderr: string;
      try {
        ({ stdout, stderr } = await execFileAsync(program.command, program.args(step), {
          env,
          timeout: STEP_TIMEOUT,
          maxBuffer: 16 * 1024 * 1024,
        }));
      } catch (error) {
        const failed = error as { stdout?: string; stderr?: string };
        transcript.push(failed.stdout ?? "", failed.stderr ?? "");
        throw new Error(`${options.language} ${step} failed: ${String(error)}\n${failed.stderr ?? ""}`, {
          cause: error,
        });
      }
      transcript.push(stdout, stderr);
      const line = stdout.trim().split("\n").at(-1) ?? "";
      const printed = JSON.parse(line) as Omit<StepResult, "secrets"> & { step: string };
      expect(printed.step).toBe(step);
      const secrets = JSON.parse(await readFile(String(env.PT_SECRETS_FILE), "utf8")) as Record<
        string,
        string
      >;
      for (const value of Object.values(secrets)) seenSecrets.add(value);
      return {
        output: `${stdout}\n${stderr}`,
        changes: printed.changes ?? {},
        outputs: printed.outputs,
        secrets,
      };
    };

    const value = (result: StepResult, key: string) => result.outputs[key]?.value;
    const liveNetbird = () => plain.netbird.tokens(SETTINGS.netbirdUserId).map((token) => token.id);
    const SECRET_OUTPUTS = ["gcoreAccessToken", "gcoreRefreshToken", "icpToken", "netbirdToken"];
    /** The stack outputs a preview cannot know: everything but `icpRegistry` (from the cluster URL). */
    const PREVIEW_UNKNOWN_OUTPUTS = [
      "netbirdTokenId",
      "netbirdToken",
      "netbirdRotatesAt",
      "netbirdPreviousTokenId",
      "gcoreAccessToken",
      "gcoreRefreshToken",
      "gcoreRotatesAt",
      "gcoreUsername",
      "icpToken",
      "icpRotatesAt",
    ];

    /** The tokens a step returned work at the APIs. */
    const expectWorkingTokens = async (result: StepResult) => {
      expect(Object.keys(result.secrets).sort()).toEqual(SECRET_OUTPUTS);
      for (const key of SECRET_OUTPUTS) expect(result.outputs[key]).toEqual({ secret: true });
      expect(plain.netbird.authenticate(String(result.secrets.netbirdToken))).toBe(true);
      await expect(
        plain.gcore.verifyAccessToken(String(result.secrets.gcoreAccessToken)),
      ).resolves.toMatchObject({
        user_id: 1234,
      });
      await expect(tls.icp.verifyRegistryToken(String(result.secrets.icpToken))).resolves.toMatchObject({
        sub: tls.seeds.icp.username,
        access: [{ type: "repository", name: "ns/app", actions: ["pull"] }],
      });
    };

    let created: StepResult;
    let rotated: StepResult;

    it(
      "0. a preview of the new stack: four creates, no API call, every issued output unknown",
      async () => {
        for (const entry of String(baseEnv.PATH).split(":")) {
          for (const name of ["node", "npm", "pulumi-resource-tokens"])
            expect(existsSync(join(entry, name))).toBe(false);
        }
        at(T0);
        drain();
        const preview = await run("preview");
        expect(preview.changes).toEqual({ create: 4 });
        expect(drain()).toEqual(NO_CALLS);
        expect(liveNetbird()).toEqual([]);
        // The engine prints each stack output the preview cannot know yet as unknown.
        for (const name of PREVIEW_UNKNOWN_OUTPUTS) {
          expect(preview.output).toMatch(new RegExp(`^ +${name} *: \\[unknown\\]$`, "m"));
        }
        expect(preview.output).toMatch(/^ +icpRegistry *: "127\.0\.0\.1:8500"$/m);
      },
      TEST_TIMEOUT,
    );

    it(
      "1. create: one token of each kind, issued at the emulators",
      async () => {
        at(T0);
        drain();
        created = await run("up");
        expect(created.changes).toEqual({ create: 4 });
        expect(drain()).toEqual({
          netbird: ["netbird.listTokens 200", "netbird.createToken 200"],
          gcore: ["gcore.userToken 200"],
          icp: ["POST icp.identityToken 200", "GET icp.registryToken 200"],
          other: [],
        });
        expect(value(created, "netbirdRotatesAt")).toBe("2030-01-01T00:14:24.000Z");
        expect(value(created, "gcoreRotatesAt")).toBe("2030-01-01T00:20:00.000Z");
        expect(value(created, "icpRotatesAt")).toBe("2030-01-01T00:20:00.000Z");
        expect(value(created, "gcoreUsername")).toBe(plain.seeds.gcore.userEmail);
        expect(value(created, "icpRegistry")).toBe("127.0.0.1:8500");
        expect(liveNetbird()).toEqual([value(created, "netbirdTokenId")]);
        await expectWorkingTokens(created);
      },
      TEST_TIMEOUT,
    );

    it(
      "2. plain up before any rotatesAt: no change and no API call",
      async () => {
        at(minutes(10));
        const same = await run("up");
        expect(same.changes).toEqual({ same: 4 });
        expect(drain()).toEqual(NO_CALLS);
        expect(same.secrets).toEqual(created.secrets);
        expect(value(same, "netbirdTokenId")).toBe(value(created, "netbirdTokenId"));
      },
      TEST_TIMEOUT,
    );

    it(
      "3. past every rotatesAt: the preview shows the three rotations (no API call), a plain up does them",
      async () => {
        at(minutes(25));
        // The preview shows each rotation with the changing outputs and the reason, and calls no API.
        const preview = await run("preview");
        expect(preview.changes).toEqual({ same: 1, update: 3 });
        expect(drain()).toEqual(NO_CALLS);
        for (const line of [
          "~  tokens:netbird:PersonalAccessToken ci update [diff: ~expiresAt,rotatesAt,token,tokenId]",
          "pulumi-tokens: netbird: svc-ci/ci-pipeline: rotating: rotatesAt 2030-01-01T00:14:24.000Z has passed",
          "~  tokens:gcore:UserToken support update [diff: ~accessToken,expiresAt,refreshToken,rotatesAt]",
          "pulumi-tokens: gcore: users/1234: rotating: rotatesAt 2030-01-01T00:20:00.000Z has passed",
          "~  tokens:icp:RegistryToken pull update [diff: ~dockerConfigJson,expiresAt,rotatesAt,token]",
          "pulumi-tokens: icp: 127.0.0.1:8500/repository:ns/app:pull: rotating: rotatesAt 2030-01-01T00:20:00.000Z has passed",
        ]) {
          expect(preview.output).toContain(line);
        }
        rotated = await run("up");
        expect(rotated.changes).toEqual({ same: 1, update: 3 });
        expect(drain()).toEqual({
          netbird: ["netbird.listTokens 200", "netbird.createToken 200"],
          gcore: ["gcore.refresh 200"],
          icp: ["POST icp.identityToken 200", "GET icp.registryToken 200"],
          other: [],
        });
        for (const key of SECRET_OUTPUTS) expect(rotated.secrets[key]).not.toBe(created.secrets[key]);
        const first = value(created, "netbirdTokenId");
        expect(value(rotated, "netbirdTokenId")).not.toBe(first);
        expect(value(rotated, "netbirdPreviousTokenId")).toBe(first);
        expect(liveNetbird()).toEqual([first, value(rotated, "netbirdTokenId")]);
        expect(value(rotated, "netbirdRotatesAt")).toBe("2030-01-01T00:39:24.000Z");
        expect(value(rotated, "gcoreRotatesAt")).toBe("2030-01-01T00:45:00.000Z");
        expect(value(rotated, "icpRotatesAt")).toBe("2030-01-01T00:45:00.000Z");
        expect(plain.gcore.isRefreshTokenBlacklisted(String(created.secrets.gcoreRefreshToken))).toBe(true);
        await expectWorkingTokens(rotated);
      },
      TEST_TIMEOUT,
    );

    it(
      "4. every NetBird token deleted behind Pulumi's back: up --refresh creates it again",
      async () => {
        at(minutes(26));
        for (const id of liveNetbird())
          expect(plain.netbird.deleteToken(SETTINGS.netbirdUserId, id)).toBe(true);
        const recreated = await run("up-refresh");
        expect(recreated.changes).toEqual({ create: 1, same: 3 });
        expect(drain()).toEqual({
          netbird: [
            "netbird.getToken 404",
            "netbird.getToken 404",
            "netbird.listTokens 200",
            "netbird.createToken 200",
          ],
          gcore: ["gcore.getUser 200"],
          icp: [],
          other: [],
        });
        const tokenId = value(recreated, "netbirdTokenId");
        expect(tokenId).not.toBe(value(rotated, "netbirdTokenId"));
        expect(value(recreated, "netbirdPreviousTokenId")).toBeUndefined();
        expect(liveNetbird()).toEqual([tokenId]);
        expect(recreated.secrets.netbirdToken).not.toBe(rotated.secrets.netbirdToken);
        expect(recreated.secrets.gcoreAccessToken).toBe(rotated.secrets.gcoreAccessToken);
        expect(recreated.secrets.icpToken).toBe(rotated.secrets.icpToken);
        await expectWorkingTokens(recreated);

        // At rest: the plugin's types, no serialized provider, no plain credential or token.
        const { stdout: state } = await execFileAsync(
          join(baseEnv.PT_PULUMI_ROOT ?? "", "bin", "pulumi"),
          ["stack", "export", "--stack", "test", "--non-interactive"],
          {
            cwd: baseEnv.PT_WORK_DIR,
            env: {
              ...baseEnv,
              PULUMI_HOME: baseEnv.PT_PULUMI_HOME,
              PULUMI_BACKEND_URL: baseEnv.PT_BACKEND_URL,
              PULUMI_CONFIG_PASSPHRASE: PASSPHRASE,
              PULUMI_SKIP_UPDATE_CHECK: "true",
            },
            maxBuffer: 64 * 1024 * 1024,
          },
        );
        expect(
          resourcesOf(state)
            .map((resource) => resource.type)
            .filter((type) => type.startsWith("tokens:"))
            .sort(),
        ).toEqual([
          "tokens:gcore:UserToken",
          "tokens:icp:RegistryToken",
          "tokens:netbird:PersonalAccessToken",
        ]);
        expect(state).not.toContain("__provider");
        expect(findSecrets(state, seenSecrets)).toEqual([]);
      },
      TEST_TIMEOUT,
    );

    it(
      "5. destroy revokes the NetBird token; Gcore and ICP have nothing to revoke",
      async () => {
        at(minutes(27));
        const destroyed = await run("destroy");
        expect(destroyed.changes).toEqual({ delete: 4 });
        expect(drain()).toEqual({ netbird: ["netbird.deleteToken 200"], gcore: [], icp: [], other: [] });
        expect(liveNetbird()).toEqual([]);
        expect(destroyed.outputs).toEqual({});
      },
      TEST_TIMEOUT,
    );

    it("no credential or token was printed: stdout and stderr of every step", () => {
      expect(transcript.length).toBe(14); // stdout and stderr of 7 runs
      expect(seenSecrets.size).toBeGreaterThanOrEqual(3 + 4 + 4 + 1);
      const printed = transcript.join("\n");
      // The engine's own output is in it (the programs forward it to stderr).
      for (const type of [
        "tokens:netbird:PersonalAccessToken",
        "tokens:gcore:UserToken",
        "tokens:icp:RegistryToken",
      ]) {
        expect(printed).toContain(type);
      }
      expect(findSecrets(printed, seenSecrets)).toEqual([]);
      // The engine ran the installed plugin, not one found on PATH (it would say "… from $PATH").
      expect(printed).not.toContain("from $PATH");
    });
  });
}
