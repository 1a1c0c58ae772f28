/**
 * The plugin's configuration: one `tokens:` key per setting of the kinds' settings tables
 * (src/core/settings.ts, src/kinds.ts), named `<module><Setting>`: `tokens:acmeApiToken` is the setting the
 * dynamic resources read from `acme:apiToken`. The values reach the plugin through `Configure`,
 * from the stack config (`pulumi config set --secret tokens:acmeApiToken …`) for the default
 * provider, or from the arguments of an explicit `tokens` provider resource. They are mapped onto
 * the same settings model, so the order stays: resource input, then this config, then the
 * environment variable, then the default.
 *
 * @module
 */
import { settingEntries } from "../core/kind.ts";
import type { ConfigNaming, StackConfig } from "../core/settings.ts";
import type { Vendor } from "../errors.ts";
import { KINDS } from "../kinds.ts";
import { PACKAGE } from "./resources.ts";

/** One config key of the plugin. */
export interface PluginSetting {
  /** The key without the package, `<module><Setting>`, e.g. `acmeApiToken`. */
  key: string;
  vendor: Vendor;
  /** The resource input (and setting) it stands for, e.g. `apiToken`. */
  property: string;
  /** The kind's stack config key the dynamic resources read, e.g. `acme:apiToken`. */
  configKey: string;
  /** The environment variable read when neither input nor config has a value. */
  env: string;
  secret: boolean;
  description: string;
  /** Whether a resource input of the same name overrides it (false for process-wide settings). */
  resourceInput: boolean;
}

/** Every config key: the settings of each kind of src/kinds.ts, in its order (kinds of one module share them). */
export const SETTINGS: readonly PluginSetting[] = [
  ...new Map(
    KINDS.flatMap((kind) =>
      settingEntries(kind).map(([property, definition]): [string, PluginSetting] => {
        const key = `${kind.settings.vendor}${property[0]?.toUpperCase() ?? ""}${property.slice(1)}`;
        const setting: PluginSetting = {
          key,
          vendor: kind.settings.vendor,
          property,
          configKey: definition.configKey,
          env: definition.env,
          secret: definition.secret ?? false,
          description: definition.description,
          resourceInput: definition.resourceInput ?? true,
        };
        return [key, setting];
      }),
    ),
  ).values(),
];

/** The config keys that hold credentials. */
export const SECRET_SETTINGS: readonly string[] = SETTINGS.filter((entry) => entry.secret).map(
  (entry) => entry.key,
);

/** A config value as a string: the settings model reads strings, like stack config. */
function text(value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined;
  return typeof value === "string" ? value : JSON.stringify(value);
}

/**
 * The stack config the core reads (`acme:apiToken`, …) from the plugin's config. `args` are the
 * Configure arguments (secrets unwrapped), `variables` the older map form whose keys are
 * `tokens:<key>` or `tokens:config:<key>`; `args` win.
 */
export function stackConfigOf(
  args: Record<string, unknown>,
  variables: ReadonlyMap<string, string>,
): StackConfig {
  const values = new Map<string, string>();
  for (const entry of SETTINGS) {
    const value =
      text(args[entry.key]) ??
      variables.get(`${PACKAGE}:${entry.key}`) ??
      variables.get(`${PACKAGE}:config:${entry.key}`);
    if (value !== undefined && value !== "") values.set(entry.configKey, value);
  }
  return { get: (key) => values.get(key) };
}

const KEY_OF = new Map(SETTINGS.map((entry) => [entry.configKey, `${PACKAGE}:${entry.key}`]));

/**
 * How the plugin's messages name a config value's origin: the core's settings (`acme:apiToken`) are read from the
 * plugin's own config (`the provider config "tokens:acmeApiToken"`). Set once, when the plugin starts.
 */
export const providerConfigNaming: ConfigNaming = {
  label: "provider config",
  key: (configKey) => KEY_OF.get(configKey) ?? configKey,
};

const MODULE_PREFIX = new RegExp(`^(${[...new Set(SETTINGS.map((entry) => entry.vendor))].join("|")})[A-Z]`);

/**
 * CheckConfig failures: a key that reads like a setting of a kind's module but is none (a typo would
 * otherwise be ignored, and the setting silently taken from the environment). Other keys (the
 * engine's own, such as `version`) pass. No failure names a property: the engine would print its value.
 */
export function configFailures(config: Record<string, unknown>): { property: string; reason: string }[] {
  const known = new Set(SETTINGS.map((entry) => entry.key));
  return Object.keys(config)
    .filter((key) => MODULE_PREFIX.test(key) && !known.has(key))
    .map((key) => ({
      property: "",
      reason: `"${PACKAGE}:${key}" is not a config key of the ${PACKAGE} provider; the keys are ${[...known].map((name) => `${PACKAGE}:${name}`).join(", ")}`,
    }));
}
