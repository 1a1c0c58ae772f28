// The Pulumi CLI killed (SIGKILL) while NetBird has created a token but not yet answered: after the
// recovery docs/troubleshooting.md gives (`pulumi cancel`, then one `pulumi up`), the stack converges with no
// orphaned token at the API and a usable token in state.
import { readFile, readdir } from "node:fs/promises";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { netbird } from "pulumi-tokens";
import { type Emulator, startEmulator } from "../../src/emulator/index.ts";
import { TestStack } from "../harness/engine.ts";

const T0 = new Date("2030-01-01T00:00:00Z");
const DAY = 86_400_000;

let emu: Emulator;
beforeEach(async () => {
  emu = await startEmulator({ now: T0 });
});
afterEach(async () => emu?.close());

const live = () => emu.netbird.tokens("svc-ci");

/** Every process started for this stack (the CLI and its plugins carry the stack's PULUMI_HOME). */
async function processesOf(stack: TestStack): Promise<number[]> {
  const home = `PULUMI_HOME=${stack.stack.workspace.pulumiHome ?? ""}`;
  const pids: number[] = [];
  for (const entry of await readdir("/proc")) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    const environ = await readFile(`/proc/${entry}/environ`, "utf8").catch(() => "");
    if (environ.split("\0").includes(home)) pids.push(Number(entry));
  }
  return pids;
}

async function waitFor(condition: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error("timed out waiting for the emulator");
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Starts `pulumi up`, kills its whole process tree once `createdAt` holds, and waits for the up to fail. */
async function killedUp(stack: TestStack, created: () => boolean): Promise<void> {
  const running = stack.up().then(
    () => "finished",
    () => "failed",
  );
  await waitFor(created, 60_000);
  const pids = await processesOf(stack);
  expect(pids.length).toBeGreaterThan(0);
  for (const pid of pids) {
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      // already gone
    }
  }
  expect(await running).toBe("failed");
}

describe("a pulumi up killed mid-call converges after `pulumi cancel` and one `up`", () => {
  it("killed while creating, and killed while rotating: no orphaned token, a usable token in state", async () => {
    const stack = await TestStack.open({
      projectName: "netbird-killed",
      program: async () => {
        const pat = new netbird.PersonalAccessToken("t", {
          userId: "svc-ci",
          name: "ci",
          expiresInDays: 30,
          managementUrl: emu.url,
        });
        return { tokenId: pat.tokenId, token: pat.token };
      },
      config: { "netbird:apiToken": { value: emu.seeds.netbird.adminToken, secret: true } },
      env: { PULUMI_TOKENS_NOW: T0.toISOString() },
    });
    try {
      // 1. killed after NetBird created the token, before it answered
      emu.faults.inject("netbird.createToken", { kind: "delay-after", ms: 30_000 });
      await killedUp(stack, () => live().length === 1);
      const orphan = live()[0]?.id;
      await stack.stack.cancel();
      const recovered = await stack.up();
      expect(recovered.changes).toMatchObject({ create: 1 });
      const tokenId = String(recovered.outputs.tokenId?.value);
      expect(tokenId).not.toBe(orphan);
      expect(live().map((token) => token.id)).toEqual([tokenId]);
      expect(emu.netbird.authenticate(String(recovered.outputs.token?.value))).toBe(true);
      expect(recovered.output).toContain(
        `that no state tracks (left by an interrupted run); revoked ${orphan}`,
      );

      // 2. killed while rotating: the new token exists at the API, the state still has the old one
      const later = new Date(T0.getTime() + 25 * DAY);
      stack.setNow(later);
      emu.clock.set(later);
      emu.faults.inject("netbird.createToken", { kind: "delay-after", ms: 30_000 });
      await killedUp(stack, () => live().length === 2);
      await stack.stack.cancel();
      const rotated = await stack.up();
      expect(rotated.changes).toMatchObject({ update: 1 });
      const current = String(rotated.outputs.tokenId?.value);
      // Tracked: the new current and the previous (overlap); the killed run's token is revoked.
      expect(
        live()
          .map((token) => token.id)
          .sort(),
      ).toEqual([tokenId, current].sort());
      expect(emu.netbird.authenticate(String(rotated.outputs.token?.value))).toBe(true);

      await stack.destroy();
      expect(live()).toEqual([]);
    } finally {
      await stack.dispose();
    }
  }, 240_000);
});
