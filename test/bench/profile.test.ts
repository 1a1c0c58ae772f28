// bench/profile.ts: which component a profiled frame counts for, and how samples are summed.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { componentOf, summarizeProfiles } from "../../bench/profile.ts";

const ROOT = "/work/pkg";

describe("componentOf", () => {
  it("names the component of a frame by its URL", () => {
    expect(componentOf("file:///work/pkg/dist/core/http.js", ROOT)).toBe("pulumi-tokens");
    expect(componentOf("file:///work/pkg/node_modules/got/dist/source/core/index.js", ROOT)).toBe(
      "HTTP: got and node:http",
    );
    expect(componentOf("file:///work/pkg/node_modules/@sindresorhus/is/distribution/index.js", ROOT)).toBe(
      "HTTP: got and node:http",
    );
    expect(componentOf("node:_http_client", ROOT)).toBe("HTTP: got and node:http");
    expect(componentOf("file:///work/pkg/node_modules/zod/v4/core/schemas.js", ROOT)).toBe("zod");
    expect(componentOf("file:///work/pkg/node_modules/@grpc/grpc-js/build/src/server.js", ROOT)).toBe(
      "gRPC and protobuf",
    );
    expect(componentOf("node:internal/http2/core", ROOT)).toBe("gRPC and protobuf");
    expect(componentOf("/work/pkg/node_modules/@pulumi/pulumi/runtime/rpc.js", ROOT)).toBe("@pulumi/pulumi");
    expect(componentOf("node:internal/modules/cjs/loader", ROOT)).toBe("module loading");
    expect(componentOf("node:inspector", ROOT)).toBe("profiler");
    expect(componentOf("file:///work/pkg/bench/provider-profile.cjs", ROOT)).toBe("profiler");
    // Code that serves every component: the stack decides.
    expect(componentOf("node:internal/streams/writable", ROOT)).toBeUndefined();
    expect(componentOf("file:///work/pkg/node_modules/semver/index.js", ROOT)).toBeUndefined();
  });
});

describe("summarizeProfiles", () => {
  it("counts a native sample for the nearest known frame and leaves idle and the profiler out", () => {
    const directory = mkdtempSync(join(tmpdir(), "profile-test-"));
    try {
      const frame = (id: number, functionName: string, url: string, children: number[] = []) => ({
        id,
        callFrame: { functionName, url, lineNumber: 0 },
        children,
      });
      const profile = {
        nodes: [
          frame(1, "(root)", "", [2, 5, 6, 7]),
          frame(2, "_flush", "node:_http_outgoing", [3]),
          frame(3, "uncork", "node:internal/streams/writable", [4]),
          frame(4, "writev", ""),
          frame(5, "(idle)", ""),
          frame(6, "post", "node:inspector"),
          frame(7, "(garbage collector)", ""),
        ],
        samples: [4, 4, 5, 6, 7],
        timeDeltas: [1000, 2000, 50_000, 9000, 500],
      };
      writeFileSync(join(directory, "1-0000.cpuprofile"), JSON.stringify(profile));
      const summary = summarizeProfiles(directory, ROOT);
      expect(summary.byComponent["HTTP: got and node:http"]).toBe(3);
      expect(summary.byComponent["garbage collection"]).toBe(0.5);
      expect(summary.busyMs).toBe(3.5);
      expect(summary.topFunctions[0]).toEqual({ name: "writev (native)", ms: 3 });
    } finally {
      rmSync(directory, { recursive: true, force: true });
    }
  });
});
