// The scheduled-rotation pipeline of examples/scheduled-rotation/ replayed through the real engine (issue #12):
// the same commands and flags as run.sh and the GitHub workflow, with the inline form of the same programs (the
// NetBird example as the producer, examples/consumer on the same backend), against the emulator and the test clock.
//
//   drift check   pulumi preview --diff --expect-no-changes      (producer; fails exactly when a token is due)
//   only if due   pulumi up --yes --skip-preview                  (producer)
//                 pulumi preview --diff --expect-no-changes      (producer; must pass now)
//   every run     pulumi up --yes --skip-preview                  (consumer, after the producer)
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import consumerProgram from "../../examples/consumer/index.ts";
import gcoreProgram from "../../examples/gcore-user-token/index.ts";
import netbirdProgram from "../../examples/netbird-personal-access-token/index.ts";
import { type Emulator, startEmulator } from "../../src/emulator/index.ts";
import { TestStack } from "../harness/engine.ts";

const T0 = new Date("2030-01-01T03:17:00Z");
const DAY = 86_400_000;
const day = (n: number) => new Date(T0.getTime() + n * DAY);
const ID = "svc-ci/ci-pipeline";

let emu: Emulator;
const stacks: TestStack[] = [];

beforeEach(async () => {
  emu = await startEmulator({ now: T0 });
});
afterEach(async () => {
  await Promise.all(stacks.splice(0).map((stack) => stack.dispose()));
  await emu?.close();
});

/** Moves the providers' clock (every stack) and the emulator's together. */
function at(when: Date): void {
  for (const stack of stacks) stack.setNow(when);
  emu.clock.set(when);
}

/** Every line of `text` that the package wrote (provider stderr, as the engine shows it), trimmed. */
const packageLines = (text: string) =>
  text
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => line.startsWith("pulumi-tokens: "));

/**
 * Where the engine shows a provider line, and how often. A preview with `--diff` writes it once to stderr; an
 * `up` shows it once at the end of the stack's progress row and once under "Diagnostics:". `whole` counts lines
 * that are exactly `line` (stderr, Diagnostics), `rows` the progress rows that end with it.
 */
const places = (text: string, line: string) => {
  const trimmed = text.split("\n").map((seen) => seen.trim());
  return {
    whole: trimmed.filter((seen) => seen === line).length,
    rows: trimmed.filter((seen) => seen !== line && seen.endsWith(` ${line}`)).length,
  };
};
const ONCE_IN_PREVIEW = { whole: 1, rows: 0 };
const ONCE_IN_UP = { whole: 1, rows: 1 };

interface DriftCheck {
  passed: boolean;
  output: string;
  /** API requests the drift check made (all vendors). */
  requests: number;
}

/** `pulumi preview --diff --expect-no-changes`: passes, or fails because changes were proposed. */
async function driftCheck(stack: TestStack): Promise<DriftCheck> {
  emu.clearRequests();
  const from = stack.transcript.length;
  const passed = await stack.preview({ expectNoChanges: true, stderr: true }).then(
    () => true,
    (error: unknown) => {
      // Only the expected failure counts; anything else (a crash, a check failure) fails the test.
      expect(String(error)).toContain(
        "error: no changes were expected for preview but changes were proposed",
      );
      return false;
    },
  );
  return { passed, output: stack.transcript.slice(from).join(""), requests: emu.requests.length };
}

interface PipelineRun {
  drift: DriftCheck;
  /** The producer's `up` output; undefined when the drift check passed (nothing due, no up). */
  up?: string;
  upChanges?: Record<string, number>;
  /** API requests made by the producer's `up`. */
  upRequests?: string[];
  verify?: DriftCheck;
  consumer: { output: string; token: unknown; secret: boolean | undefined };
}

/** One scheduled run, exactly as run.sh sequences it. */
async function pipelineRun(producer: TestStack, consumer: TestStack): Promise<PipelineRun> {
  const drift = await driftCheck(producer);
  const run: Partial<PipelineRun> = { drift };
  if (!drift.passed) {
    emu.clearRequests();
    const up = await producer.up();
    run.up = up.output;
    run.upChanges = up.changes;
    run.upRequests = emu.requests.map((entry) => `${entry.route} ${entry.status}`);
    run.verify = await driftCheck(producer);
    expect(run.verify.passed).toBe(true);
  }
  const consumed = await consumer.up();
  run.consumer = {
    output: consumed.output,
    token: consumed.outputs.token?.value,
    secret: consumed.outputs.token?.secret,
  };
  return run as PipelineRun;
}

async function openPipeline(): Promise<{ producer: TestStack; consumer: TestStack }> {
  const producer = await TestStack.open({
    projectName: "netbird-personal-access-token",
    stackName: "prod",
    program: netbirdProgram,
    config: {
      "netbird-personal-access-token:userId": { value: emu.seeds.netbird.serviceUserId },
      "netbird-personal-access-token:expiresInDays": { value: "30" },
      "netbird-personal-access-token:rotateBeforeDays": { value: "7" },
      "netbird:managementUrl": { value: emu.url },
      "netbird:apiToken": { value: emu.seeds.netbird.adminToken, secret: true },
    },
  });
  stacks.push(producer);
  const consumer = await TestStack.open({
    projectName: "token-consumer",
    stackName: "prod",
    program: consumerProgram,
    backendDir: producer.backendDir,
    config: {
      "token-consumer:producerStack": { value: producer.qualifiedName },
      "token-consumer:tokenOutput": { value: "token" },
    },
  });
  stacks.push(consumer);
  return { producer, consumer };
}

const ROTATING_DAY_23 = `pulumi-tokens: netbird: ${ID}: rotating: rotatesAt ${day(23).toISOString()} has passed (the current credential expires at ${day(30).toISOString()})`;
const EXPIRED_DAY_53 = `pulumi-tokens: netbird: ${ID}: WARNING: the current credential expired at ${day(53).toISOString()} before a run rotated it (scheduled runs were missed), so its consumers have been failing since then; rotating now`;
const TRIGGER = `pulumi-tokens: netbird: ${ID}: rotating: rotationTrigger changed`;

describe("the scheduled-rotation pipeline on the real engine", () => {
  it("daily runs across a rotation, missed runs, and a rotationTrigger change; the consumer follows", async () => {
    const { producer, consumer } = await openPipeline();
    const producerToken = async () => (await producer.stack.outputs()).token?.value;

    // Run 1, first deployment: the drift check fails (a create is a change, not a rotation: no line).
    at(T0);
    const first = await pipelineRun(producer, consumer);
    expect(first.drift.passed).toBe(false);
    expect(first.drift.requests).toBe(0);
    expect(first.drift.output).not.toContain("pulumi-tokens:");
    expect(first.upChanges).toEqual({ create: 2 });
    expect(first.upRequests).toEqual(["netbird.listTokens 200", "netbird.createToken 200"]);
    const token1 = await producerToken();
    expect(first.consumer.token).toBe(token1);
    expect(first.consumer.secret).toBe(true);

    // Run 2, a quiet day: the drift check passes with no API call and no line; no up; the consumer is unchanged.
    at(day(1));
    const quiet = await pipelineRun(producer, consumer);
    expect(quiet.drift.passed).toBe(true);
    expect(quiet.drift.requests).toBe(0);
    expect(quiet.drift.output).not.toContain("pulumi-tokens:");
    expect(quiet.up).toBeUndefined();
    expect(quiet.consumer.token).toBe(token1);
    expect(quiet.consumer.output).not.toContain("pulumi-tokens:");

    // Run 3, day 23 = rotatesAt: the drift check fails naming the token and why, still with no API call;
    // `up` rotates (one create) and says it once; the drift check passes again; the consumer has the new token.
    at(day(23));
    const due = await pipelineRun(producer, consumer);
    expect(due.drift.passed).toBe(false);
    expect(due.drift.requests).toBe(0);
    expect(due.drift.output).toContain("~ pulumi-nodejs:dynamic/netbird:PersonalAccessToken: (update)");
    expect(new Set(packageLines(due.drift.output))).toEqual(new Set([ROTATING_DAY_23]));
    expect(places(due.drift.output, ROTATING_DAY_23)).toEqual(ONCE_IN_PREVIEW);
    expect(due.upChanges).toEqual({ same: 1, update: 1 });
    expect(due.upRequests).toEqual(["netbird.listTokens 200", "netbird.createToken 200"]);
    expect(new Set(packageLines(due.up ?? ""))).toEqual(new Set([ROTATING_DAY_23]));
    expect(places(due.up ?? "", ROTATING_DAY_23)).toEqual(ONCE_IN_UP);
    expect(due.verify?.output ?? "").not.toContain("pulumi-tokens:");
    const token2 = await producerToken();
    expect(token2).not.toBe(token1);
    expect(due.consumer.token).toBe(token2);
    expect(emu.netbird.authenticate(String(token1))).toBe(true); // overlap: the previous one still works

    // Runs on days 24..54 are missed. Run on day 55: the token issued on day 23 expired on day 53, so the
    // drift check warns; `up` rotates and the consumer follows.
    at(day(55));
    expect(emu.netbird.authenticate(String(token2))).toBe(false);
    const missed = await pipelineRun(producer, consumer);
    expect(missed.drift.passed).toBe(false);
    expect(missed.drift.requests).toBe(0);
    expect(new Set(packageLines(missed.drift.output))).toEqual(new Set([EXPIRED_DAY_53]));
    expect(places(missed.drift.output, EXPIRED_DAY_53)).toEqual(ONCE_IN_PREVIEW);
    expect(places(missed.up ?? "", EXPIRED_DAY_53)).toEqual(ONCE_IN_UP);
    expect(missed.upChanges).toEqual({ same: 1, update: 1 });
    const token3 = await producerToken();
    expect(emu.netbird.authenticate(String(token3))).toBe(true);
    expect(missed.consumer.token).toBe(token3);

    // Run on day 56 after a commit that sets rotationTrigger: the drift check names the trigger, `up` rotates.
    at(day(56));
    await producer.stack.setConfig("netbird-personal-access-token:rotationTrigger", { value: "2030-02" });
    const triggered = await pipelineRun(producer, consumer);
    expect(triggered.drift.passed).toBe(false);
    expect(new Set(packageLines(triggered.drift.output))).toEqual(new Set([TRIGGER]));
    expect(places(triggered.drift.output, TRIGGER)).toEqual(ONCE_IN_PREVIEW);
    expect(places(triggered.up ?? "", TRIGGER)).toEqual(ONCE_IN_UP);
    const token4 = await producerToken();
    expect(token4).not.toBe(token3);
    expect(triggered.consumer.token).toBe(token4);

    // Nothing the engine printed holds a plain token.
    for (const token of [token1, token2, token3, token4]) {
      expect(producer.transcript.join("")).not.toContain(String(token));
      expect(consumer.transcript.join("")).not.toContain(String(token));
    }
  }, 300_000);

  it("gcore: a run after the refresh JWT expired warns once and names the re-issue", async () => {
    const producer = await TestStack.open({
      projectName: "gcore-user-token",
      stackName: "prod",
      program: gcoreProgram,
      config: {
        "gcore-user-token:userId": { value: String(emu.seeds.gcore.userId) },
        "gcore:apiUrl": { value: emu.url },
        "gcore:apiKey": { value: emu.seeds.gcore.resellerApiKey, secret: true },
      },
    });
    stacks.push(producer);
    at(T0);
    await producer.up();
    const userId = emu.seeds.gcore.userId;
    const accessExpiry = new Date(T0.getTime() + 3_600_000).toISOString();
    const refreshExpiry = day(1).toISOString();
    const line = `pulumi-tokens: gcore: users/${userId}: WARNING: the current credential expired at ${accessExpiry} before a run rotated it (scheduled runs were missed), so its consumers have been failing since then; rotating now; the refresh JWT expired at ${refreshExpiry}, so the update issues a new pair through the reseller endpoint`;

    at(new Date(day(1).getTime() + 3_600_000));
    const drift = await driftCheck(producer);
    expect(drift.passed).toBe(false);
    expect(drift.requests).toBe(0);
    expect(new Set(packageLines(drift.output))).toEqual(new Set([line]));
    expect(places(drift.output, line)).toEqual(ONCE_IN_PREVIEW);

    emu.clearRequests();
    const up = await producer.up();
    expect(emu.requestsFor("gcore").map((entry) => `${entry.route} ${entry.status}`)).toEqual([
      "gcore.userToken 200",
    ]);
    expect(places(up.output, line)).toEqual(ONCE_IN_UP);
    expect((await driftCheck(producer)).passed).toBe(true);
  }, 120_000);
});
