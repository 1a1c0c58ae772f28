// Load and concurrency through the real engine: 100 PersonalAccessTokens sharing one admin credential
// under NetBird's per-PAT rate limiter, and two stacks managing tokens of the same user in parallel.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { netbird } from "pulumi-tokens";
import { type Emulator, startEmulator } from "../../src/emulator/index.ts";
import { TestStack } from "../harness/engine.ts";

let emu: Emulator;
beforeEach(async () => {
  // Real time: the rate limiter's buckets refill with the emulator clock.
  emu = await startEmulator();
});
afterEach(async () => emu?.close());

const names = () => emu.netbird.tokens("svc-ci").map((token) => token.name);

function tokensProgram(prefix: string, count: number) {
  return async () => {
    for (let index = 0; index < count; index++) {
      new netbird.PersonalAccessToken(`${prefix}-${index}`, {
        userId: "svc-ci",
        name: `${prefix}-${String(index).padStart(3, "0")}`,
        expiresInDays: 30,
        managementUrl: emu.url,
      });
    }
  };
}

const openTokensStack = (projectName: string, prefix: string, count: number, backendDir?: string) =>
  TestStack.open({
    projectName,
    program: tokensProgram(prefix, count),
    config: { "netbird:apiToken": { value: emu.seeds.netbird.adminToken, secret: true } },
    ...(backendDir ? { backendDir } : {}),
  });

describe("load: 100 tokens on one admin credential, rate-limited like NetBird", () => {
  it("creates every token once; the 429s are absorbed by backoff; destroy revokes all", async () => {
    // NetBird's per-PAT token bucket, with a burst smaller than the 101 requests of this `up` (one list,
    // then 100 creates) so that it must refuse some: 30 requests, then 600 per minute.
    emu.netbird.setRateLimit({ rpm: 600, burst: 30 });
    const stack = await openTokensStack("netbird-load", "load", 100);
    try {
      const started = performance.now();
      const created = await stack.up();
      const seconds = (performance.now() - started) / 1000;
      expect(created.changes).toEqual({ create: 101 });
      const created429 = emu.requestsFor("netbird").filter((entry) => entry.status === 429).length;
      const createdOk = emu
        .requestsFor("netbird")
        .filter((entry) => entry.route === "netbird.createToken" && entry.status === 200).length;
      expect(createdOk).toBe(100);
      expect(created429).toBeGreaterThan(0);
      const live = names();
      expect(live).toHaveLength(100);
      expect(new Set(live).size).toBe(100);
      process.stderr.write(
        `load: 100 PATs created in ${seconds.toFixed(1)} s; ${created429} answers were 429\n`,
      );

      emu.clearRequests();
      await stack.destroy();
      expect(names()).toEqual([]);
    } finally {
      await stack.dispose();
    }
  }, 300_000);
});

describe("concurrency: two stacks, one NetBird user", () => {
  it("run in parallel without cross-talk: destroying one leaves the other's tokens alone", async () => {
    const first = await openTokensStack("netbird-team-a", "team-a", 5);
    const second = await openTokensStack("netbird-team-b", "team-b", 5, first.backendDir);
    try {
      await Promise.all([first.up(), second.up()]);
      expect(names().sort()).toEqual(
        [...["a", "b"].flatMap((team) => [0, 1, 2, 3, 4].map((n) => `team-${team}-00${n}`))].sort(),
      );

      await first.destroy();
      expect(names().sort()).toEqual([0, 1, 2, 3, 4].map((n) => `team-b-00${n}`));
      emu.clearRequests();
      const again = await second.up();
      expect(again.changes).toEqual({ same: 6 });
      expect(emu.requestsFor("netbird")).toEqual([]);
      await second.destroy();
      expect(names()).toEqual([]);
    } finally {
      await first.dispose();
      await second.dispose();
    }
  }, 240_000);
});
