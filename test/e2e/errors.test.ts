// What a user sees when something goes wrong, through the real engine: a destroy with the NetBird API
// unreachable fails with one line that names the endpoint, no stack trace, and the state kept;
// PULUMI_TOKENS_DEBUG=1 brings the stack trace back.
import { describe, expect, it } from "vitest";
import program from "../../examples/netbird-personal-access-token/index.ts";
import { startEmulator } from "../../src/emulator/index.ts";
import { TestStack } from "../harness/engine.ts";

const TYPE = "pulumi-nodejs:dynamic/netbird:PersonalAccessToken";
const PROJECT = "errors";

/** The engine's "Diagnostics:" section: the non-blank lines under each resource, by resource (in any order). */
function diagnostics(lines: string[]): Record<string, string[]> {
  const start = lines.indexOf("Diagnostics:");
  const end = lines.findIndex((line, index) => index > start && /^\S/.test(line));
  const byResource: Record<string, string[]> = {};
  let current: string[] = [];
  for (const line of lines.slice(start + 1, end)) {
    if (/^ {2}\S/.test(line)) byResource[line.trim()] = current = [];
    else if (line.trim() !== "") current.push(line);
  }
  // The engine prints provider stderr and its own summary line in arrival order: compare them as sets.
  return Object.fromEntries(Object.entries(byResource).map(([resource, found]) => [resource, found.sort()]));
}

/** The lines printed since `from` (an index into the transcript). */
function linesSince(stack: TestStack, from: number): string[] {
  return stack.transcript.slice(from).join("").split("\n");
}

describe("errors a user can act on", () => {
  it("a destroy with the API down fails with one line naming the endpoint, no stack, the state kept", async () => {
    const emu = await startEmulator();
    const stack = await TestStack.open({
      projectName: PROJECT,
      program,
      config: {
        [`${PROJECT}:userId`]: { value: "svc-ci" },
        [`${PROJECT}:expiresInDays`]: { value: "30" },
        [`${PROJECT}:rotateBeforeDays`]: { value: "10" },
        "netbird:managementUrl": { value: emu.url },
        "netbird:apiToken": { value: emu.seeds.netbird.adminToken, secret: true },
      },
    });
    try {
      const created = await stack.up();
      expect(created.changes).toEqual({ create: 2 });
      const tokenId = String(created.outputs.tokenId?.value);
      const endpoint = `${emu.url}/api/users/svc-ci/tokens/${tokenId}`;
      await emu.close(); // the API is down from here on

      const expected = `netbird: delete personal access token failed: network error ECONNREFUSED (DELETE ${endpoint})`;
      let from = stack.transcript.length;
      await expect(stack.destroy()).rejects.toThrow(expected);
      let lines = linesSince(stack, from);
      // The engine's summary: the one error, and the provider host's stderr reduced to a hint.
      expect(diagnostics(lines)).toEqual({
        "pulumi-nodejs:dynamic/netbird:PersonalAccessToken (ci):": [`    error: ${expected}`],
        [`pulumi:pulumi:Stack (${PROJECT}-test):`]: [
          "    error: update failed",
          "    pulumi-tokens: set PULUMI_TOKENS_DEBUG=1 to see the stack trace of this failure",
        ],
      });
      // Everywhere else (the progress lines) the endpoint appears only in that same error.
      for (const line of lines.filter((candidate) => candidate.includes(endpoint))) {
        expect(line.endsWith(` error: ${expected}`)).toBe(true);
      }
      expect(lines.filter((line) => /^\s+at /.test(line))).toEqual([]);
      expect(lines.join("\n")).not.toContain("ApiNetworkError");
      // the token could not be revoked, so Pulumi still tracks it
      expect((await stack.resourceOutputs(TYPE)).tokenId).toBe(tokenId);

      // PULUMI_TOKENS_DEBUG=1: the original error, stack trace included
      stack.setEnv("PULUMI_TOKENS_DEBUG", "1");
      from = stack.transcript.length;
      await expect(stack.destroy()).rejects.toThrow(expected);
      lines = linesSince(stack, from);
      expect(lines.join("\n")).toContain(`ApiNetworkError: ${expected}`);
      expect(lines.filter((line) => /^\s+at /.test(line)).length).toBeGreaterThan(0);
      expect((await stack.resourceOutputs(TYPE)).tokenId).toBe(tokenId);
    } finally {
      await emu.close().catch(() => undefined);
      await stack.dispose();
    }
  }, 180_000);
});
