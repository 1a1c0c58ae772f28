// Where the provider process spends its CPU inside the engine: the V8 CPU profiles that
// bench/provider-profile.cjs writes, summed by component.
//
// Each sample goes to the nearest frame on its stack that belongs to a known component (this
// package, got and Node's HTTP client, zod, jose, gRPC and protobuf, @pulumi/pulumi, module loading),
// so a stream write done for got counts as HTTP and one done for gRPC as gRPC; samples with no such
// frame are "other". Idle time and the profiler's own work (the inspector, bench/provider-profile.cjs)
// are left out.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";

export const COMPONENTS = [
  "pulumi-tokens",
  "HTTP: got and node:http",
  "zod",
  "jose",
  "gRPC and protobuf",
  "@pulumi/pulumi",
  "module loading",
  "garbage collection",
  "other",
] as const;
export type Component = (typeof COMPONENTS)[number];

/** The CPU profile of the provider process(es) of one `pulumi up`. */
export interface ProfileSummary {
  /** Sampled time that was not idle, ms. */
  busyMs: number;
  byComponent: Record<Component, number>;
  /** The functions with the most self time (idle left out), ms. */
  topFunctions: { name: string; ms: number }[];
}

interface CpuProfile {
  nodes: {
    id: number;
    callFrame: { functionName: string; url: string; lineNumber: number };
    children?: number[];
  }[];
  samples: number[];
  timeDeltas: number[];
}

// got's own dependencies (got 14).
const GOT_PACKAGES = [
  "got",
  "@sindresorhus/is",
  "@szmarczak/http-timer",
  "byte-counter",
  "cacheable-lookup",
  "cacheable-request",
  "chunk-data",
  "decompress-response",
  "defer-to-connect",
  "form-data-encoder",
  "http2-wrapper",
  "keyv",
  "@keyv/serialize",
  "lowercase-keys",
  "mimic-response",
  "normalize-url",
  "p-cancelable",
  "responselike",
  "resolve-alpn",
  "quick-lru",
];

/** The component a frame's URL belongs to, or undefined for code that serves any of them. */
export function componentOf(url: string, packageRoot: string): Component | "profiler" | undefined {
  if (url === "node:inspector" || url.endsWith("/bench/provider-profile.cjs")) return "profiler";
  const modules = url.lastIndexOf("/node_modules/");
  if (modules >= 0) {
    const rest = url.slice(modules + "/node_modules/".length).split("/");
    const name = rest[0]?.startsWith("@") ? `${rest[0]}/${rest[1]}` : (rest[0] ?? "");
    if (GOT_PACKAGES.includes(name)) return "HTTP: got and node:http";
    if (name === "zod" || name === "jose" || name === "@pulumi/pulumi") return name;
    if (name === "@grpc/grpc-js" || name === "google-protobuf") return "gRPC and protobuf";
    return undefined;
  }
  if (url.startsWith("node:internal/modules/")) return "module loading";
  if (/^node:_http_/.test(url)) return "HTTP: got and node:http";
  if (url.startsWith("node:internal/http2/")) return "gRPC and protobuf";
  if (url.startsWith(pathToFileURL(packageRoot).href + "/")) return "pulumi-tokens";
  return undefined;
}

/** Sums the profiles in `directory` (every `*.cpuprofile`). */
export function summarizeProfiles(directory: string, packageRoot: string): ProfileSummary {
  const byComponent = Object.fromEntries(COMPONENTS.map((component) => [component, 0])) as Record<
    Component,
    number
  >;
  const bySelf = new Map<string, number>();
  const packageUrl = `${pathToFileURL(packageRoot).href}/`;
  for (const file of readdirSync(directory).filter((name) => name.endsWith(".cpuprofile"))) {
    const profile = JSON.parse(readFileSync(join(directory, file), "utf8")) as CpuProfile;
    const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
    const parent = new Map<number, number>();
    for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
    const selfUs = new Map<number, number>();
    profile.samples.forEach((id, index) => {
      selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[index] ?? 0));
    });
    for (const [id, us] of selfUs) {
      const frame = nodes.get(id)?.callFrame;
      if (!frame || frame.functionName === "(idle)") continue;
      const ms = us / 1000;
      let component: Component | "profiler" = "other";
      if (frame.functionName === "(garbage collector)") component = "garbage collection";
      else {
        for (let at: number | undefined = id, hops = 0; at !== undefined && hops < 64; hops++) {
          const found = componentOf(nodes.get(at)?.callFrame.url ?? "", packageRoot);
          if (found) {
            component = found;
            break;
          }
          at = parent.get(at);
        }
      }
      if (component === "profiler") continue;
      byComponent[component] += ms;
      const url = frame.url.replace(/^.*\/node_modules\//, "").replace(packageUrl, "");
      const name = `${frame.functionName || "(anonymous)"} ${url ? `${url}:${frame.lineNumber + 1}` : "(native)"}`;
      bySelf.set(name, (bySelf.get(name) ?? 0) + ms);
    }
  }
  const busyMs = Object.values(byComponent).reduce((total, ms) => total + ms, 0);
  const topFunctions = [...bySelf]
    .sort((a, b) => b[1] - a[1])
    .slice(0, 10)
    .map(([name, ms]) => ({ name, ms }));
  return { busyMs, byComponent, topFunctions };
}
