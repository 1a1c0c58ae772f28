/**
 * The provider tests' surroundings: one emulator per test file, the clocks, the engine log and the
 * settings sources (stack config, environment) the providers read besides their inputs.
 */
import type * as pulumi from "@pulumi/pulumi";
import { afterAll, afterEach, beforeAll, beforeEach } from "vitest";
import { NOW_ENV } from "../../src/core/clock.ts";
import { type HttpTuning, tuneHttpClients } from "../../src/core/http.ts";
import { captureNotices } from "../../src/core/log.ts";
import { setStackConfig } from "../../src/core/settings.ts";
import { type Emulator, type EmulatorOptions, startEmulator } from "../../src/emulator/index.ts";

/** Options for {@link useEmulator}: how to start the emulator, and the clients' tuning. */
export interface UseEmulatorOptions extends EmulatorOptions {
  /** Timeouts and backoff of the HTTP clients for the file's tests (`tuneHttpClients`). */
  tuning?: HttpTuning;
}

/**
 * Starts an emulator (and applies `tuning`) before the calling file's tests and closes it after
 * them; empties its request log and clears injected faults before each test. Call once, at top
 * level. The returned emulator stands in for the one started in `beforeAll`: use it in tests and
 * hooks only.
 */
export function useEmulator(options: UseEmulatorOptions = {}): Emulator {
  const { tuning, ...start } = options;
  let started: Emulator | undefined;
  let restoreTuning: (() => void) | undefined;
  const current = (): Emulator => {
    if (!started) throw new Error("the emulator is used before its beforeAll started it");
    return started;
  };

  beforeAll(async () => {
    started = await startEmulator(start);
    if (tuning) restoreTuning = tuneHttpClients(tuning);
  });
  afterAll(async () => {
    restoreTuning?.();
    await started?.close();
  });
  beforeEach(() => {
    current().clearRequests();
    current().faults.clear();
  });

  return new Proxy({} as Emulator, {
    get(_target, property) {
      const emulator = current();
      const value: unknown = Reflect.get(emulator, property);
      return typeof value === "function" ? value.bind(emulator) : value;
    },
  });
}

/** Moves the emulator clock and the providers' clock (`PULUMI_TOKENS_NOW`) together. */
export function setNow(emu: Emulator, at: Date): void {
  process.env[NOW_ENV] = at.toISOString();
  emu.clock.set(at);
}

/**
 * Collects the notices (engine-log lines) the providers write during each test of the calling
 * file, instead of printing them. Call once, at top level; the array is emptied before each test.
 */
export function collectNotices(): string[] {
  const notices: string[] = [];
  let restore: (() => void) | undefined;
  beforeEach(() => {
    notices.length = 0;
    restore = captureNotices((line) => notices.push(line));
  });
  afterEach(() => restore?.());
  return notices;
}

/**
 * Each test of the calling file starts and ends with no stack config (as delivered through
 * `configure`) and none of the environment variables `env`. Call once, at top level.
 */
export function isolateSettings(env: readonly string[]): void {
  const clear = () => {
    setStackConfig(undefined);
    for (const name of env) delete process.env[name];
  };
  beforeEach(clear);
  afterEach(clear);
}

/** Delivers stack config to a provider the way the engine does (`configure`); it applies at once. */
export function configureProvider(
  provider: Pick<pulumi.dynamic.ResourceProvider, "configure">,
  values: Record<string, string>,
): Promise<void> {
  const config = { get: (key: string) => values[key], require: (key: string) => values[key] ?? "" };
  return provider.configure?.({ config } as unknown as pulumi.dynamic.ConfigureRequest) ?? Promise.resolve();
}

/** Options for {@link useProviderEmulator}. */
export interface ProviderEmulatorOptions extends UseEmulatorOptions {
  /** Where both clocks stand at the start of each test. */
  now: Date;
  /** The environment variables the provider reads (see {@link isolateSettings}). */
  env: readonly string[];
}

/** What a provider test file works with. */
export interface ProviderEmulator {
  /** See {@link useEmulator}. */
  emu: Emulator;
  /** See {@link collectNotices}. */
  notices: string[];
  /** Moves the provider clock and the emulator clock together. */
  setAt(at: Date): void;
}

/**
 * {@link useEmulator}, {@link collectNotices} and {@link isolateSettings} for a file that calls a
 * provider's methods directly, with both clocks back at `now` before each test. Call once, at top level.
 */
export function useProviderEmulator(options: ProviderEmulatorOptions): ProviderEmulator {
  const { now, env, ...start } = options;
  const emu = useEmulator({ ...start, now });
  const notices = collectNotices();
  isolateSettings(env);
  const setAt = (at: Date) => setNow(emu, at);
  beforeEach(() => setAt(now));
  return { emu, notices, setAt };
}
