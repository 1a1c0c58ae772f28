// Samples the processes the engine runs during one `pulumi up` from /proc (Linux): the provider
// process's peak RSS and CPU time, and the engine's CPU time.
import { readdirSync, readFileSync } from "node:fs";

/** What the sampler saw of the processes the engine ran during one `pulumi up`. */
export interface Sampled {
  /** Peak RSS (VmHWM) of the provider process(es), bytes. */
  providerPeakRss: number;
  /** CPU time (user + system) of the provider process(es) and of the `pulumi` CLI, ms. */
  providerCpuMs: number;
  engineCpuMs: number;
}

export const CLOCK_TICK_MS = 10; // Linux USER_HZ = 100

/**
 * Samples the descendants of this process every 150 ms until stopped: the dynamic-provider host (peak
 * RSS, CPU) and the `pulumi` CLI (CPU). Each process is identified once (ppid, command line), so a
 * sample reads only /proc itself and the stat/status files of the processes that matter.
 */
export function sampleProcesses(): () => Sampled {
  // Only the parent is cached: a command line read between fork and exec would still be the parent's,
  // so the descendants' command lines are read again at every sample (they are few).
  const parents = new Map<number, number>();
  const seen = new Map<number, { role: "provider" | "engine"; hwm: number; cpuMs: number }>();
  const isOurs = (pid: number): boolean => {
    for (let current = parents.get(pid), hops = 0; current !== undefined && hops < 20; hops++) {
      if (current === process.pid) return true;
      current = parents.get(current);
    }
    return false;
  };
  const sample = () => {
    const alive: number[] = [];
    for (const entry of readdirSync("/proc")) {
      if (!/^\d+$/.test(entry)) continue;
      const pid = Number(entry);
      alive.push(pid);
      if (parents.has(pid)) continue;
      try {
        const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
        parents.set(pid, Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]));
      } catch {
        // gone meanwhile
      }
    }
    for (const pid of alive) {
      if (!isOurs(pid)) continue;
      try {
        const argv = readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0");
        const role = argv.some(
          (arg) => arg.endsWith("dynamic-provider/index.js") || arg.endsWith("/pulumi-resource-tokens"),
        )
          ? "provider"
          : (argv[0] ?? "").endsWith("/pulumi")
            ? "engine"
            : undefined;
        if (role === undefined) continue;
        const fields = readFileSync(`/proc/${pid}/stat`, "utf8");
        const after = fields.slice(fields.lastIndexOf(")") + 2).split(" ");
        const cpuMs = (Number(after[11]) + Number(after[12])) * CLOCK_TICK_MS;
        const hwm =
          Number(/VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1] ?? 0) * 1024;
        const last = seen.get(pid);
        seen.set(pid, { role, hwm: Math.max(hwm, last?.hwm ?? 0), cpuMs: Math.max(cpuMs, last?.cpuMs ?? 0) });
      } catch {
        // gone meanwhile
      }
    }
  };
  sample();
  const timer = setInterval(sample, 150);
  return () => {
    clearInterval(timer);
    sample();
    const of = (role: "provider" | "engine") => [...seen.values()].filter((entry) => entry.role === role);
    return {
      providerPeakRss: Math.max(0, ...of("provider").map((entry) => entry.hwm)),
      providerCpuMs: of("provider").reduce((total, entry) => total + entry.cpuMs, 0),
      engineCpuMs: of("engine").reduce((total, entry) => total + entry.cpuMs, 0),
    };
  };
}
