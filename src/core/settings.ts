/**
 * Where connection settings and credentials come from, in order: the resource input, the stack
 * config (delivered to dynamic providers through `configure`), the environment, a default.
 *
 * Values are looked up at call time, inside the provider process, so they are never captured in
 * the serialized provider closure.
 *
 * @module
 */
import { MissingCredentialsError, type Vendor } from "../errors.ts";

/** The part of Pulumi's dynamic-provider config this package reads. */
export interface StackConfig {
  get(key: string): string | undefined;
}

let stackConfig: StackConfig | undefined;

/** Called from the provider's `configure`; keys are namespaced, e.g. `netbird:apiToken`. */
export function setStackConfig(config: StackConfig | undefined): void {
  stackConfig = config;
}

/** One setting and its fallbacks. */
export interface SettingSource {
  vendor: Vendor;
  /** The resource input's name, e.g. "apiToken". */
  property: string;
  /** The value given as a resource input, if any. */
  input: string | undefined;
  /** Namespaced stack config key, e.g. "netbird:apiToken". */
  configKey: string;
  /** Environment variable, e.g. "NB_PAT". */
  env: string;
}

/** A setting's value and where it was found. */
export interface FoundSetting {
  value: string;
  /** e.g. `the "apiToken" input`, `the stack config "netbird:apiToken"`, `the environment variable NB_PAT`. */
  from: string;
}

/** The first non-empty value among input, stack config and environment, with where it came from. */
export function findSetting(source: SettingSource): FoundSetting | undefined {
  const candidates: [string | undefined, string][] = [
    [source.input, `the "${source.property}" input`],
    [stackConfig?.get(source.configKey), `the stack config "${source.configKey}"`],
    [process.env[source.env], `the environment variable ${source.env}`],
  ];
  const found = candidates.find(([value]) => typeof value === "string" && value !== "");
  return found ? { value: found[0] as string, from: found[1] } : undefined;
}

/** A vendor's settings: for each input name, its stack config key and environment variable. */
export type SettingsTable = Record<string, { configKey: string; env: string }>;

/**
 * Binds a vendor's settings table: `source("apiToken", input)` is the {@link SettingSource} to
 * look that setting up with.
 */
export function settingsOf<Table extends SettingsTable>(
  vendor: Vendor,
  table: Table,
): (property: keyof Table & string, input: string | undefined) => SettingSource {
  return (property, input) => ({ vendor, property, input, ...table[property] }) as SettingSource;
}

/** The first non-empty value among input, stack config and environment; undefined if none. */
export function lookupSetting(source: SettingSource): string | undefined {
  return findSetting(source)?.value;
}

/** Like {@link lookupSetting}, but throws {@link MissingCredentialsError} naming every source. */
export function requireSetting(source: SettingSource): string {
  const value = lookupSetting(source);
  if (value === undefined)
    throw new MissingCredentialsError(source.vendor, source.property, describeSources(source));
  return value;
}

/** "the "apiToken" input, the stack config "netbird:apiToken" or the environment variable NB_PAT". */
export function describeSources(source: SettingSource): string {
  return `the "${source.property}" input, the stack config "${source.configKey}" or the environment variable ${source.env}`;
}
