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
import type { CheckFailure } from "./check.ts";

/** The part of Pulumi's dynamic-provider config this package reads. */
export interface StackConfig {
  get(key: string): string | undefined;
}

let stackConfig: StackConfig | undefined;

/** Called from the provider's `configure`; keys are namespaced, `<kind module>:<setting>`. */
export function setStackConfig(config: StackConfig | undefined): void {
  stackConfig = config;
}

/**
 * How messages name a config value: the dynamic resources read the stack config under the settings' own keys,
 * the provider plugin reads its provider config under keys of its own.
 */
export interface ConfigNaming {
  /** e.g. `stack config`. */
  label: string;
  /** The key a user sets for a setting's config key. */
  key(configKey: string): string;
}

const STACK_CONFIG: ConfigNaming = { label: "stack config", key: (configKey) => configKey };
let configNaming: ConfigNaming = STACK_CONFIG;

/** Sets how messages name config values (the provider plugin names its own keys); undefined restores the default. */
export function setConfigNaming(naming: ConfigNaming | undefined): void {
  configNaming = naming ?? STACK_CONFIG;
}

/** `the stack config "acme:apiToken"`, or the plugin's equivalent. */
export function configOrigin(configKey: string): string {
  return `the ${configNaming.label} "${configNaming.key(configKey)}"`;
}

/** `stack config acme:user and acme:password`, or the plugin's equivalent: for a message naming several keys. */
export function configKeysPhrase(configKeys: readonly string[]): string {
  return `${configNaming.label} ${configKeys.map((configKey) => configNaming.key(configKey)).join(" and ")}`;
}

/** One setting and its fallbacks. */
export interface SettingSource {
  vendor: Vendor;
  /** The resource input's name, e.g. "apiToken". */
  property: string;
  /** The value given as a resource input, if any. */
  input: string | undefined;
  /** Namespaced stack config key, `<kind module>:<setting>`, e.g. "acme:apiToken". */
  configKey: string;
  /** Environment variable, e.g. "NB_PAT". */
  env: string;
}

/** A setting's value and where it was found. */
export interface FoundSetting {
  value: string;
  /** e.g. `the "apiToken" input`, `the stack config "acme:apiToken"`, `the environment variable ACME_TOKEN`. */
  from: string;
}

/** The first non-empty value among input, stack config and environment, with where it came from. */
export function findSetting(source: SettingSource): FoundSetting | undefined {
  const candidates: [string | undefined, string][] = [
    [source.input, `the "${source.property}" input`],
    [stackConfig?.get(source.configKey), configOrigin(source.configKey)],
    [process.env[source.env], `the environment variable ${source.env}`],
  ];
  const found = candidates.find(([value]) => typeof value === "string" && value !== "");
  return found ? { value: found[0] as string, from: found[1] } : undefined;
}

/** One setting of a vendor: where it comes from besides the input, and what makes a value unusable. */
export interface SettingDefinition {
  configKey: string;
  env: string;
  /** One or two sentences for users: the schema, the plugin's config and docs/reference.md show it. */
  description: string;
  /** A credential: the plugin's config key is secret. Default false. */
  secret?: boolean;
  /** Whether a resource input of the same name overrides it (false for process-wide settings). Default true. */
  resourceInput?: boolean;
  /**
   * Why a value is unusable, as a sentence that starts with the quoted property name, or undefined
   * when it is fine. Never echoes the value. The input's own zod schema applies the same check.
   */
  problem?: (value: string) => string | undefined;
}

/** A vendor's settings: for each input name, its stack config key, environment variable and check. */
export type SettingsTable = Record<string, SettingDefinition>;

/** A vendor's settings, bound: look one up, or check every value that came from config or env. */
export interface VendorSettings<Name extends string> {
  /** The vendor (kind module) the settings belong to. */
  readonly vendor: Vendor;
  /** The settings table, in the order the docs list it. */
  readonly table: Readonly<Record<Name, SettingDefinition>>;
  /** `source("apiToken", input)` is the {@link SettingSource} to look that setting up with. */
  (property: Name, input: string | undefined): SettingSource;
  /** The first non-empty value of a setting among input, stack config and environment, with where it was found. */
  find(property: Name, input: string | undefined): FoundSetting | undefined;
  /**
   * `check` failures of values found in the stack config or the environment (inputs are checked by
   * the input schema). They name no property: the engine would print the input's value, and the
   * value did not come from an input. The reason names the property and the one source.
   */
  failures(inputs: Partial<Record<Name, unknown>>): CheckFailure[];
}

/** Binds a vendor's settings table. */
export function settingsOf<Table extends SettingsTable>(
  vendor: Vendor,
  table: Table,
): VendorSettings<keyof Table & string> {
  const source = (property: keyof Table & string, input: string | undefined): SettingSource => {
    const { configKey, env } = table[property] as SettingDefinition;
    return { vendor, property, input, configKey, env };
  };
  return Object.assign(source, {
    vendor,
    table,
    find: (property: keyof Table & string, input: string | undefined) => findSetting(source(property, input)),
    failures(inputs: Partial<Record<keyof Table & string, unknown>>): CheckFailure[] {
      return Object.entries(table).flatMap(([property, definition]) => {
        if (inputs[property as keyof Table & string] !== undefined || !definition.problem) return [];
        const found = findSetting(source(property, undefined));
        const problem = found === undefined ? undefined : definition.problem(found.value);
        return problem === undefined ? [] : [{ property: "", reason: `${problem} (from ${found?.from})` }];
      });
    },
  });
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

/** `the "apiToken" input, the stack config "acme:apiToken" or the environment variable ACME_TOKEN`. */
export function describeSources(source: SettingSource): string {
  return `the "${source.property}" input, ${configOrigin(source.configKey)} or the environment variable ${source.env}`;
}
