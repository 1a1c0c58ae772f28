// The emulator in a process of its own, for the scale bench: its CPU time is then the API's, apart from
// the program's. Prints `{url, seeds}` as one JSON line; answers each "stats" line on stdin with
// `{requests, cpuMs}`; closes and exits when stdin ends.
import { createInterface } from "node:readline";
import { startEmulator } from "../../src/emulator/index.ts";

const emulator = await startEmulator();
const cpuAtStart = process.cpuUsage();
process.stdout.write(`${JSON.stringify({ url: emulator.url, seeds: emulator.seeds })}\n`);
const lines = createInterface({ input: process.stdin });
lines.on("line", (line) => {
  if (line.trim() !== "stats") return;
  const cpu = process.cpuUsage(cpuAtStart);
  process.stdout.write(
    `${JSON.stringify({ requests: emulator.requests.length, cpuMs: (cpu.user + cpu.system) / 1000 })}\n`,
  );
});
lines.on("close", () => {
  void emulator.close().then(() => process.exit(0));
});
