import { spawn } from "node:child_process";
import { once } from "node:events";
import { readFileSync } from "node:fs";
import { request } from "node:https";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const script = fileURLToPath(new URL("../../scripts/emulator.ts", import.meta.url));

describe("scripts/emulator.ts", () => {
  it("starts with --tls, prints URL, seeds and CA path, serves, and exits 0 on SIGTERM", async () => {
    const child = spawn(process.execPath, [script, "--tls"], { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    child.stdout.setEncoding("utf8");
    child.stderr.setEncoding("utf8");
    child.stderr.on("data", (chunk: string) => {
      out += chunk;
    });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`runner did not start:\n${out}`)), 10_000);
      child.stdout.on("data", (chunk: string) => {
        out += chunk;
        if (out.includes('"icp"') && out.trimEnd().endsWith("}")) {
          clearTimeout(timer);
          resolve();
        }
      });
    });
    const url = /listening on (https:\/\/127\.0\.0\.1:\d+)/.exec(out)?.[1] ?? "";
    const caPath = /CA certificate: (\S+)/.exec(out)?.[1] ?? "";
    expect(url).not.toBe("");
    expect(out).toContain("adminToken");
    const ca = readFileSync(caPath, "utf8");
    const status = await new Promise<number>((resolve, reject) => {
      const req = request(`${url}/nope`, { ca, agent: false }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on("error", reject);
      req.end();
    });
    expect(status).toBe(404);
    child.kill("SIGTERM");
    const [code] = await once(child, "exit");
    expect(code).toBe(0);
  });
});
