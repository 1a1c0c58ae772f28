// `npm run demo`: the top-level program (Pulumi.yaml → examples/demo/index.ts) driven through the real
// Pulumi engine against the bundled emulators, with the clock moved forward to show rotation.
// Inline Automation API, because the Node.js language host cannot be built here (see CONTRIBUTING.md).
import type { OutputMap } from "@pulumi/pulumi/automation/index.js";
import { emulatorConfig } from "../examples/demo/emulator-config.ts";
import { startEmulator } from "../src/emulator/index.ts";
import { TestStack } from "../test/harness/engine.ts";

const DAY = 86_400_000;
const MINUTE = 60_000;

const say = (line = "") => process.stdout.write(`${line}\n`);
const show = (value: unknown, secret: boolean) =>
  secret
    ? `[secret, ${String(value).length} chars]`
    : typeof value === "string"
      ? value
      : JSON.stringify(value);

function table(outputs: OutputMap, keys: string[]): void {
  for (const key of keys) {
    const output = outputs[key];
    if (output) say(`    ${key.padEnd(24)} ${show(output.value, output.secret)}`);
  }
}

function notices(text: string): void {
  // The engine shows each provider line twice (progress and Diagnostics); print it once.
  const lines = text.split("\n").map((line) => line.trim());
  for (const line of new Set(lines.filter((line) => line.startsWith("pulumi-tokens:"))))
    say(`    engine log: ${line}`);
}

const plain = await startEmulator();
const tls = await startEmulator({ tls: true });
const seeds = plain.seeds;
const start = new Date(Math.floor(Date.now() / MINUTE) * MINUTE);
let producer: TestStack | undefined;
let consumer: TestStack | undefined;

const moveClock = (at: Date) => {
  for (const emulator of [plain, tls]) emulator.clock.set(at);
  producer?.setNow(at);
  consumer?.setNow(at);
  say(
    `\n-- clock: ${at.toISOString()} (start + ${Math.round((at.getTime() - start.getTime()) / MINUTE)} min)`,
  );
};

try {
  const { default: program } = await import("../examples/demo/index.ts");
  producer = await TestStack.open({
    projectName: "pulumi-tokens-demo",
    program,
    config: emulatorConfig(plain, tls),
  });
  const keys = [
    "netbirdTokenId",
    "netbirdToken",
    "netbirdPreviousTokenId",
    "netbirdRotatesAt",
    "gcoreUsername",
    "gcoreAccessToken",
    "gcoreRotatesAt",
    "registryAccess",
    "registryToken",
    "registryRotatesAt",
    "dockerConfigJson",
  ];

  moveClock(start);
  say("1. pulumi up: issue a NetBird PAT, a Gcore user JWT pair and an ICP registry token");
  const first = await producer.up();
  table(first.outputs, keys);

  const { default: consumerProgram } = await import("../examples/consumer/index.ts");
  consumer = await TestStack.open({
    projectName: "token-consumer",
    program: consumerProgram,
    backendDir: producer.backendDir,
    config: { "token-consumer:producerStack": { value: producer.qualifiedName } },
  });
  consumer.setNow(start);
  say("\n2. another stack reads the NetBird token through a StackReference");
  const consumed = await consumer.up();
  const same = consumed.outputs.token?.value === first.outputs.netbirdToken?.value;
  say(`    token is secret there: ${consumed.outputs.token?.secret}; same token: ${same}`);

  moveClock(new Date(start.getTime() + 5 * MINUTE));
  plain.clearRequests();
  tls.clearRequests();
  say("3. pulumi up, nothing due");
  const idle = await producer.up();
  say(
    `    changes: ${JSON.stringify(idle.changes)}; API requests: ${plain.requests.length + tls.requests.length}`,
  );

  moveClock(new Date(start.getTime() + 55 * MINUTE));
  say("4. pulumi up after the short-lived tokens entered their rotate-before windows");
  const renewed = await producer.up();
  say(`    changes: ${JSON.stringify(renewed.changes)}`);
  say(
    `    gcore routes used: ${plain
      .requestsFor("gcore")
      .map((r) => `${r.route} ${r.status}`)
      .join(", ")}`,
  );
  table(renewed.outputs, ["gcoreRotatesAt", "registryRotatesAt"]);

  moveClock(new Date(start.getTime() + 84 * DAY));
  plain.clearRequests();
  say("5. pulumi up 84 days later: the 90-day NetBird PAT is inside its 7-day window");
  const rotated = await producer.up();
  notices(rotated.output);
  table(rotated.outputs, ["netbirdTokenId", "netbirdPreviousTokenId", "netbirdRotatesAt"]);
  const previous = String(first.outputs.netbirdToken?.value);
  say(`    the previous token still authenticates (overlap): ${plain.netbird.authenticate(previous)}`);

  const current = String(rotated.outputs.netbirdTokenId?.value);
  plain.netbird.deleteToken(seeds.netbird.serviceUserId, current);
  say(`\n6. someone deletes token ${current} in NetBird; pulumi up --refresh`);
  const healed = await producer.up({ refresh: true });
  table(healed.outputs, ["netbirdTokenId", "netbirdPreviousTokenId"]);

  say("\n7. pulumi destroy (consumer, then producer)");
  await consumer.destroy();
  await producer.destroy();
  say(
    `    NetBird tokens left for ${seeds.netbird.serviceUserId}: ${plain.netbird.tokens(seeds.netbird.serviceUserId).length}`,
  );
  say("    (Gcore and ICP have no revoke API: their JWTs expire on their own, within 24 h and 30 min.)");
  say("\ndemo finished");
} finally {
  await consumer?.dispose();
  await producer?.dispose();
  await plain.close();
  await tls.close();
}
