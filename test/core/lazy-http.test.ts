// The HTTP client (got) loads on the first API call: a provider process that only checks and diffs (a
// plain `pulumi up` with nothing due) never loads it. Each case runs in a fresh Node process, which
// records every module it resolves.
import { execFile } from "node:child_process";
import { resolve } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { useEmulator } from "../harness/emulator.ts";

const ROOT = resolve(import.meta.dirname, "../..");

/** Runs `body` after importing src/providers.ts in a new process; returns the URLs it resolved. */
async function resolvedModules(body: string, env: Record<string, string> = {}): Promise<string[]> {
  const script = `
    import { registerHooks } from "node:module";
    const resolved = [];
    registerHooks({ resolve(specifier, context, next) { const r = next(specifier, context); resolved.push(r.url); return r; } });
    const { providers } = await import(${JSON.stringify(`${ROOT}/src/providers.ts`)});
    const provider = providers.netbird;
    const inputs = { userId: "svc-ci", name: "lazy", expiresInDays: 30, managementUrl: process.env.URL, apiToken: process.env.PAT };
    ${body}
    console.log(JSON.stringify(resolved));
  `;
  const { stdout } = await promisify(execFile)(process.execPath, ["--input-type=module", "-e", script], {
    cwd: ROOT,
    env: { ...process.env, ...env },
  });
  return JSON.parse(stdout.trim().split("\n").at(-1) ?? "[]") as string[];
}

const got = (urls: string[]) => urls.filter((url) => url.includes("/node_modules/got/"));

const emu = useEmulator();

describe("the HTTP client loads on the first request", () => {
  it("check and diff of a token do not load got", async () => {
    const urls = await resolvedModules(`
      const { inputs: checked } = await provider.check({}, inputs);
      const stored = { ...checked, tokenId: "t1", token: "nbp_x", expiresAt: "2999-01-01T00:00:00Z", createdAt: "2030-01-01T00:00:00Z", createdBy: "u" };
      const diff = await provider.diff("svc-ci/lazy", stored, checked);
      if (diff.changes !== false) throw new Error("expected no changes, got " + JSON.stringify(diff));
    `);
    expect(urls.some((url) => url.endsWith("/src/netbird/provider.ts"))).toBe(true);
    expect(got(urls)).toEqual([]);
  });

  it("create loads got and issues the token", async () => {
    const urls = await resolvedModules(
      `
      const { inputs: checked } = await provider.check({}, inputs);
      const { outs } = await provider.create(checked);
      if (!String(outs.token).startsWith("nbp_")) throw new Error("no token issued");
    `,
      { URL: emu.url, PAT: emu.seeds.netbird.adminToken },
    );
    expect(got(urls).length).toBeGreaterThan(0);
    expect(emu.netbird.tokens("svc-ci").map((token) => token.name)).toContain("lazy");
  });
});
