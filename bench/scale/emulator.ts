// The emulator in a process of its own (emulator-process.ts), and the stack config that points every
// kind at it.
import { spawn } from "node:child_process";
import { join } from "node:path";
import { createInterface } from "node:readline";
import type { ConfigMap } from "@pulumi/pulumi/automation/index.js";
import type { Emulator } from "../../src/emulator/index.ts";
import { ROOT } from "./paths.ts";

/** An emulator running in a process of its own (bench/scale/emulator-process.ts). */
export interface EmulatorProcess extends Pick<Emulator, "url" | "seeds"> {
  /** Requests answered and CPU time (ms) used since it started listening. */
  stats(): Promise<{ requests: number; cpuMs: number }>;
  close(): Promise<void>;
}

/** Starts bench/scale/emulator-process.ts and waits for its URL and seeds. */
export async function startEmulatorProcess(): Promise<EmulatorProcess> {
  const child = spawn(process.execPath, [join(ROOT, "bench/scale/emulator-process.ts")], {
    cwd: ROOT,
    stdio: ["pipe", "pipe", "inherit"],
  });
  const exited = new Promise<void>((resolveExit) => child.once("exit", () => resolveExit()));
  const lines = createInterface({ input: child.stdout });
  const waiting: ((line: string) => void)[] = [];
  lines.on("line", (line) => waiting.shift()?.(line));
  const next = () =>
    new Promise<string>((resolveLine, reject) => {
      waiting.push(resolveLine);
      void exited.then(() => reject(new Error("the emulator process exited")));
    });
  const started = JSON.parse(await next()) as Pick<Emulator, "url" | "seeds">;
  return {
    ...started,
    async stats() {
      const answer = next();
      child.stdin.write("stats\n");
      return JSON.parse(await answer) as { requests: number; cpuMs: number };
    },
    async close() {
      child.stdin.end();
      await exited;
    },
  };
}

/** The stack config of every kind: the emulator's URL and credentials, for both front doors. */
export function stackConfig(emulator: Pick<Emulator, "url" | "seeds">): ConfigMap {
  return {
    "netbird:managementUrl": { value: emulator.url },
    "netbird:apiToken": { value: emulator.seeds.netbird.adminToken, secret: true },
    "gcore:apiUrl": { value: emulator.url },
    "gcore:apiKey": { value: emulator.seeds.gcore.resellerApiKey, secret: true },
    "tokens:netbirdManagementUrl": { value: emulator.url },
    "tokens:netbirdApiToken": { value: emulator.seeds.netbird.adminToken, secret: true },
  };
}
