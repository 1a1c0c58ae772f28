// The scale bench (`npm run bench`) with N = 2 and one round: every kind and mode runs through the real
// engine, and the results have the shape bench/results.md and bench/results.svg are made from.
import { describe, expect, it } from "vitest";
import { USER_TOKEN_SECRET_CHARS } from "../../bench/scale/controls.ts";
import { KINDS } from "../../bench/scale/kinds.ts";
import { renderMarkdown } from "../../bench/scale/markdown.ts";
import type { ScaleResult } from "../../bench/scale/result.ts";
import { runScale } from "../../bench/scale/run.ts";
import { renderSvg } from "../../bench/scale/svg.ts";

describe("the scale bench, smoke run", () => {
  it("measures N = 2 of each kind with and without checkpoints and renders the results", async () => {
    const result: ScaleResult = await runScale({ sizes: [2], rounds: () => 1, profileSize: 2 });

    expect(result.runs).toHaveLength(KINDS.length * 2);
    for (const run of result.runs) {
      expect(run.n).toBe(2);
      expect(run.ms).toBeGreaterThan(0);
    }
    expect(result.rows.map((row) => [row.n, row.checkpoints])).toEqual([
      [2, true],
      [2, false],
    ]);
    for (const row of result.rows) {
      for (const kind of ["netbird", "gcore", "plugin"] as const) {
        expect(Number.isFinite(row.ratio[kind].median)).toBe(true);
        expect(row.ratio[kind].median).toBeGreaterThan(0);
        expect(row.ratio[kind].min).toBeLessThanOrEqual(row.ratio[kind].max);
        expect(Number.isFinite(row.marginalMsPerToken[kind])).toBe(true);
        // Every token is created with at least one API call; the provider process did work.
        expect(row.apiCallsPerResource[kind]).toBeGreaterThanOrEqual(1);
        expect(row.cpuMs[kind].provider, JSON.stringify(result.runs)).toBeGreaterThan(0);
        expect(row.cpuMs[kind].engine, JSON.stringify(result.runs)).toBeGreaterThan(0);
        expect(row.cpuMs[kind].emulator, JSON.stringify(result.runs)).toBeGreaterThan(0);
      }
      expect(row.apiCallsPerResource.noop).toBe(0);
      expect(row.apiCallsPerResource.secretNoop).toBe(0);
      expect(row.apiCallsPerResource.patShapedNoop).toBe(0);
    }

    // At rest: the stored provider text is small, and every credential-bearing token stores its
    // tokens encrypted.
    const rest = Object.fromEntries(result.atRest.map((entry) => [entry.kind, entry]));
    expect(rest.netbird?.providerBytes).toBeGreaterThan(0);
    expect(rest.netbird?.providerBytes).toBeLessThanOrEqual(512);
    expect(rest.gcore?.providerBytes).toBeLessThanOrEqual(512);
    expect(rest.netbird?.secretsPerResource).toBeGreaterThanOrEqual(1);
    // The access and refresh JWTs are stored as one secret value.
    expect(rest.gcore?.secretsPerResource).toBe(1);
    expect(rest.noop?.secretsPerResource).toBe(0);
    // The UserToken's control stores one secret of the UserToken's size: its entry holds at least a bare
    // no-op's plus the secret's characters (the ciphertext is longer).
    expect(rest.secretNoop?.secretsPerResource).toBe(1);
    expect(rest.secretNoop?.bytesPerResource).toBeGreaterThan(
      (rest.noop?.bytesPerResource ?? 0) + USER_TOKEN_SECRET_CHARS,
    );
    // The PAT's control stores the PAT's properties, one of them secret, in about as many bytes (its
    // hand-written provider text is a little longer).
    expect(rest.patShapedNoop?.secretsPerResource).toBe(1);
    expect(rest.patShapedNoop?.propertiesPerResource).toBe(rest.netbird?.propertiesPerResource);
    expect(rest.patShapedNoop?.providerBytes).toBeLessThanOrEqual(512);
    expect(rest.patShapedNoop?.bytesPerResource).toBeGreaterThan(rest.netbird?.bytesPerResource ?? 0);
    expect(rest.patShapedNoop?.bytesPerResource).toBeLessThan((rest.netbird?.bytesPerResource ?? 0) * 1.2);
    // The plugin stores no code, and returns the token as a secret itself.
    expect(rest.plugin?.providerBytes).toBe(0);
    expect(rest.plugin?.secretsPerResource).toBeGreaterThanOrEqual(1);
    for (const entry of result.atRest) expect(entry.bytesPerResource).toBeGreaterThan(entry.providerBytes);
    expect(rest.plugin?.bytesPerResource).toBeLessThan(rest.netbird?.bytesPerResource ?? 0);

    // The provider processes were seen, and the cold start was timed for every kind.
    for (const kind of KINDS) expect(result.peakRssMb[kind]).toBeGreaterThan(10);
    expect(result.coldStart.map((entry) => entry.kind)).toEqual([...KINDS]);
    for (const entry of result.coldStart) {
      expect(entry.listeningMs).toBeGreaterThan(0);
      expect(entry.firstCheckMs).toBeGreaterThan(entry.listeningMs);
    }

    const markdown = renderMarkdown(result);
    expect(markdown).toContain("| 2 | on | 1 |");
    expect(markdown).toMatch(/\| 2 \| off \(`PULUMI_SKIP_CHECKPOINTS=true`\) \| 1 \|/);
    expect(markdown).toMatch(/\*\*\d+\.\d\d\*\*/);
    expect(markdown).toContain(`Pulumi CLI ${result.versions.pulumiCli}`);
    expect(markdown).toContain("## Where the time goes");
    expect(markdown).toMatch(/## Each token against its control\n[^#]*\| 2 \| on (\| \d+\.\d\d ){6}\|/);

    // One profiled run per kind: the provider process was profiled from inside the engine, and a token's
    // provider spent time on HTTP (got loads on the first request) where the no-op's spent none.
    expect(result.profiles.map((profile) => [profile.kind, profile.n])).toEqual(
      KINDS.map((kind) => [kind, 2]),
    );
    const profiles = Object.fromEntries(result.profiles.map((profile) => [profile.kind, profile]));
    for (const profile of result.profiles) {
      expect(profile.busyMs).toBeGreaterThan(0);
      expect(profile.byComponent["module loading"]).toBeGreaterThan(0);
      expect(profile.topFunctions.length).toBeGreaterThan(0);
    }
    for (const kind of ["netbird", "gcore", "plugin"] as const) {
      expect(profiles[kind]?.byComponent["HTTP: got and node:http"]).toBeGreaterThan(
        profiles.noop?.byComponent["HTTP: got and node:http"] ?? Number.POSITIVE_INFINITY,
      );
    }
    expect(markdown).toContain("## Provider process CPU profile (N=2, checkpoints off)");
    const svg = renderSvg(result);
    expect(svg.startsWith("<svg")).toBe(true);
    expect(svg.match(/<polyline /g)).toHaveLength(KINDS.length * 2);
  }, 600_000);
});
