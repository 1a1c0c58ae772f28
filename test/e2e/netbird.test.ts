// netbird.PersonalAccessToken through the real engine: the example program run inline against the emulator.
import { readFileSync } from "node:fs";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import program from "../../examples/netbird-personal-access-token/index.ts";
import { type Emulator, startEmulator } from "../../src/emulator/index.ts";
import { type OperationResult, TestStack } from "../harness/engine.ts";
import { expectCredentialsNotStored, expectNoSecrets } from "../harness/secrets.ts";

const T0 = new Date("2030-01-01T00:00:00Z");
const DAY = 86_400_000;
const days = (n: number) => new Date(T0.getTime() + n * DAY);
const TYPE = "pulumi-nodejs:dynamic/netbird:PersonalAccessToken";
const PLAIN_TOKEN = /nbp_[A-Za-z0-9]{36}/;

let emu: Emulator;

beforeEach(async () => {
  emu = await startEmulator({ now: T0 });
});
afterEach(async () => emu?.close());

async function openStack(projectName: string, credential = true): Promise<TestStack> {
  return TestStack.open({
    projectName,
    program,
    config: {
      [`${projectName}:userId`]: { value: "svc-ci" },
      [`${projectName}:expiresInDays`]: { value: "30" },
      [`${projectName}:rotateBeforeDays`]: { value: "20" },
      "netbird:managementUrl": { value: emu.url },
      ...(credential ? { "netbird:apiToken": { value: emu.seeds.netbird.adminToken, secret: true } } : {}),
    },
  });
}

/** Moves the providers' clock and the emulator's together. */
function at(stack: TestStack, when: Date): void {
  stack.setNow(when);
  emu.clock.set(when);
}

/** The netbird requests since the last call, as `route status`, and clears the log. */
function drainRequests(): string[] {
  const seen = emu.requestsFor("netbird").map((entry) => `${entry.route} ${entry.status}`);
  emu.clearRequests();
  return seen;
}

/** Where the example program constructs its token: `line,column`, both 1-based. */
const programLine = (() => {
  const lines = readFileSync(
    new URL("../../examples/netbird-personal-access-token/index.ts", import.meta.url),
    "utf8",
  ).split("\n");
  const index = lines.findIndex((line) => line.includes("new netbird.PersonalAccessToken("));
  return `${index + 1},${(lines[index] ?? "").indexOf("new ") + 1}`;
})();

const out = (result: OperationResult, key: string) => result.outputs[key]?.value as string | undefined;
const live = () => emu.netbird.tokens("svc-ci").map((token) => token.id);

describe("netbird.PersonalAccessToken on the real engine", () => {
  it("creates, keeps, rotates with overlap, revokes the oldest, re-creates a deleted token, destroys", async () => {
    const stack = await openStack("netbird-personal-access-token");
    const plainTokens = new Set<string>([emu.seeds.netbird.adminToken]);
    try {
      // 1. create
      at(stack, T0);
      emu.clearRequests();
      const created = await stack.up();
      expect(created.changes).toEqual({ create: 2 });
      expect(drainRequests()).toEqual(["netbird.listTokens 200", "netbird.createToken 200"]);
      const first = { id: String(out(created, "tokenId")), token: String(out(created, "token")) };
      plainTokens.add(first.token);
      expect(created.outputs.token?.secret).toBe(true);
      expect(out(created, "id")).toBe("svc-ci/ci-pipeline");
      expect(out(created, "expiresAt")).toBe(days(30).toISOString());
      expect(out(created, "rotatesAt")).toBe(days(10).toISOString());
      expect(live()).toEqual([first.id]);
      expect(emu.netbird.authenticate(first.token)).toBe(true);

      // 2. plain up before rotatesAt: no change and zero NetBird requests
      at(stack, days(9));
      emu.clearRequests();
      const same = await stack.up();
      expect(same.changes).toEqual({ same: 2 });
      expect(emu.requestsFor("netbird")).toEqual([]);
      expect(out(same, "token")).toBe(first.token);

      // 3. at rotatesAt, plain up rotates: new token, the old one kept as previous and still valid
      at(stack, days(10));
      const rotated = await stack.up({ diff: true });
      expect(rotated.changes).toEqual({ same: 1, update: 1 });
      expect(drainRequests()).toEqual(["netbird.listTokens 200", "netbird.createToken 200"]);
      const second = { id: String(out(rotated, "tokenId")), token: String(out(rotated, "token")) };
      plainTokens.add(second.token);
      expect(second.id).not.toBe(first.id);
      expect(out(rotated, "id")).toBe("svc-ci/ci-pipeline");
      expect(out(rotated, "previousTokenId")).toBe(first.id);
      expect(out(rotated, "previousToken")).toBe(first.token);
      expect(rotated.outputs.previousToken?.secret).toBe(true);
      expect(emu.netbird.authenticate(first.token)).toBe(true);
      expect(emu.netbird.authenticate(second.token)).toBe(true);
      // `up --diff` shows no plain token, current or previous.
      expect(rotated.output).toContain("~ pulumi-nodejs:dynamic/netbird:PersonalAccessToken: (update)");
      expect(rotated.output).toMatch(/\+ previousToken +: \[secret\]/);
      expect(rotated.output).not.toContain(first.token);
      expect(rotated.output).not.toContain(second.token);
      expect(rotated.output).not.toMatch(PLAIN_TOKEN);

      // 4. the next rotation revokes the oldest token (still valid until day 30 until then)
      at(stack, days(20));
      expect(emu.netbird.authenticate(first.token)).toBe(true);
      const again = await stack.up();
      expect(again.changes).toEqual({ same: 1, update: 1 });
      expect(drainRequests()).toEqual([
        "netbird.listTokens 200",
        "netbird.createToken 200",
        "netbird.deleteToken 200",
      ]);
      const third = { id: String(out(again, "tokenId")), token: String(out(again, "token")) };
      plainTokens.add(third.token);
      expect(out(again, "previousTokenId")).toBe(second.id);
      expect(live()).toEqual([second.id, third.id]);
      expect(emu.netbird.authenticate(first.token)).toBe(false);

      // 5. the current token is deleted behind Pulumi's back: `up --refresh` issues a new one in the same
      //    run, and the still-valid previous token stays tracked
      at(stack, days(21));
      emu.netbird.deleteToken("svc-ci", third.id);
      const recreated = await stack.up({ refresh: true });
      expect(drainRequests()).toEqual([
        "netbird.getToken 404",
        "netbird.getToken 200",
        "netbird.listTokens 200",
        "netbird.createToken 200",
      ]);
      const fourth = { id: String(out(recreated, "tokenId")), token: String(out(recreated, "token")) };
      plainTokens.add(fourth.token);
      expect(fourth.id).not.toBe(third.id);
      expect(out(recreated, "status")).toBe("active");
      expect(out(recreated, "previousTokenId")).toBe(second.id);
      expect(live()).toEqual([second.id, fourth.id]);
      expect(emu.netbird.authenticate(fourth.token)).toBe(true);

      // 6. both deleted behind Pulumi's back: nothing is left to track, so the resource is created again
      emu.netbird.deleteToken("svc-ci", second.id);
      emu.netbird.deleteToken("svc-ci", fourth.id);
      const reborn = await stack.up({ refresh: true });
      expect(reborn.changes).toMatchObject({ create: 1 });
      expect(drainRequests()).toEqual([
        "netbird.getToken 404",
        "netbird.getToken 404",
        "netbird.listTokens 200",
        "netbird.createToken 200",
      ]);
      const fifth = { id: String(out(reborn, "tokenId")), token: String(out(reborn, "token")) };
      plainTokens.add(fifth.token);
      expect(out(reborn, "previousTokenId")).toBeNull(); // the example exports null, not undefined
      expect(live()).toEqual([fifth.id]);

      // 7. no plain token at rest, and a small provider closure
      const state = await stack.exportedState();
      for (const token of plainTokens) expect(state).not.toContain(token);
      expect(state).not.toMatch(PLAIN_TOKEN);
      const outputs = await stack.resourceOutputs(TYPE);
      expect(String(outputs.__provider).length).toBeLessThan(4096);
      await expectNoSecrets(stack, plainTokens);
      // The engine records the program's `new` line as the resource's source position, not ours.
      const stored = (
        JSON.parse(state) as { deployment: { resources: { type: string; sourcePosition?: string }[] } }
      ).deployment.resources.find((resource) => resource.type === TYPE);
      expect(stored?.sourcePosition).toMatch(
        new RegExp(`/examples/netbird-personal-access-token/index\\.ts#${programLine}$`),
      );
      // The token resource stores no apiToken; the engine keeps the stack config (encrypted) as the
      // default dynamic provider's inputs, which is Pulumi's doing, pinned here.
      expect(await expectCredentialsNotStored(stack, ["apiToken"], [emu.seeds.netbird.adminToken])).toEqual([
        'pulumi:providers:pulumi-nodejs::default inputs["netbird:apiToken"]',
        'pulumi:providers:pulumi-nodejs::default outputs["netbird:apiToken"]',
      ]);

      // 8. destroy revokes everything
      emu.clearRequests();
      const destroyed = await stack.destroy();
      expect(destroyed.changes).toEqual({ delete: 2 });
      expect(live()).toEqual([]);
      for (const line of stack.transcript) expect(line).not.toMatch(PLAIN_TOKEN);
      await expectNoSecrets(stack, plainTokens);
    } finally {
      await stack.dispose();
    }
  }, 120_000);

  it("without a credential, check fails naming apiToken and its sources, before any request", async () => {
    const stack = await openStack("netbird-no-credential", false);
    try {
      at(stack, T0);
      await expect(stack.up()).rejects.toThrow(
        /"apiToken" is required \(an admin.s NetBird API token\): set the "apiToken" input, the stack config "netbird:apiToken" or the environment variable NB_PAT/s,
      );
      expect(emu.requestsFor("netbird")).toEqual([]);
      await expectNoSecrets(stack, [emu.seeds.netbird.adminToken]);
    } finally {
      await stack.dispose();
    }
  });
});
