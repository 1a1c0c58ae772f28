// Preloaded (`NODE_OPTIONS=--require …`) by the scale bench's profile runs: a CPU profile of the
// provider process inside the engine. The engine ends its plugins with a signal, and Node writes a
// `--cpu-prof` profile only at a normal exit, so this takes the profile through the inspector instead
// and writes it when the engine's SIGINT (or a SIGTERM) arrives, and every 5 s before that in case the
// process is killed outright: one file per window in PULUMI_TOKENS_PROFILE_DIR.
"use strict";
const directory = process.env.PULUMI_TOKENS_PROFILE_DIR;
// The dynamic-provider host, or the provider plugin; not the `node -e` the host's launcher runs first.
const script = process.argv[1] ?? "";
const isProvider =
  script.endsWith("/dynamic-provider/index.js") || script.endsWith("/pulumi-resource-tokens");
if (directory && isProvider) {
  const { Session } = require("node:inspector");
  const { writeFileSync } = require("node:fs");
  const { join } = require("node:path");
  const session = new Session();
  session.connect();
  session.post("Profiler.enable");
  session.post("Profiler.setSamplingInterval", { interval: 250 });
  session.post("Profiler.start");
  let window = 0;
  const flush = (restart) =>
    session.post("Profiler.stop", (error, result) => {
      if (!error) {
        const file = join(directory, `${process.pid}-${String(window++).padStart(4, "0")}.cpuprofile`);
        writeFileSync(file, JSON.stringify(result.profile));
      }
      if (restart) session.post("Profiler.start");
    });
  setInterval(() => flush(true), 5000).unref();
  for (const signal of ["SIGINT", "SIGTERM"]) {
    process.once(signal, () => {
      flush(false);
      setImmediate(() => process.exit(0));
    });
  }
}
