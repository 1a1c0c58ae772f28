/**
 * The plugin's configuration: one `tokens:` key per setting of the vendors' settings tables
 * (src/core/settings.ts), named `<vendor><Setting>`: `tokens:netbirdApiToken` is the setting the
 * dynamic resources read from `netbird:apiToken`. The values reach the plugin through `Configure`,
 * from the stack config (`pulumi config set --secret tokens:netbirdApiToken …`) for the default
 * provider, or from the arguments of an explicit `tokens` provider resource. They are mapped onto
 * the same settings model, so the order stays: resource input, then this config, then the
 * environment variable (`NB_PAT`, …), then the default.
 *
 * @module
 */
import type { StackConfig } from "../core/settings.ts";
import type { Vendor } from "../errors.ts";
import { settingSource as gcoreSettings } from "../gcore/api.ts";
import { settingSource as icpSettings } from "../icp/schemas.ts";
import { settingSource as netbirdSettings } from "../netbird/api.ts";
import { PACKAGE } from "./resources.ts";

/** One config key of the plugin. */
export interface PluginSetting {
  /** The key without the package, e.g. `netbirdApiToken`. */
  key: string;
  vendor: Vendor;
  /** The resource input (and setting) it stands for, e.g. `apiToken`. */
  property: string;
  /** The vendor's stack config key the dynamic resources read, e.g. `netbird:apiToken`. */
  configKey: string;
  /** The environment variable read when neither input nor config has a value. */
  env: string;
  secret: boolean;
  description: string;
  /** Whether a resource input of the same name overrides it (false for process-wide settings). */
  resourceInput: boolean;
}

const setting = (
  vendor: Vendor,
  property: string,
  secret: boolean,
  description: string,
  source: (property: never, input: undefined) => { configKey: string; env: string },
  { resourceInput = true }: { resourceInput?: boolean } = {},
): PluginSetting => {
  const { configKey, env } = source(property as never, undefined);
  const key = `${vendor}${property[0]?.toUpperCase() ?? ""}${property.slice(1)}`;
  return { key, vendor, property, configKey, env, secret, description, resourceInput };
};

/** Every config key, in the order of the configuration table in docs/configuration.md. */
export const SETTINGS: readonly PluginSetting[] = [
  setting(
    "netbird",
    "managementUrl",
    false,
    "NetBird management API base URL, without `/api` (default `https://api.netbird.io`).",
    netbirdSettings,
  ),
  setting(
    "netbird",
    "apiToken",
    true,
    "The NetBird credential that manages tokens: an admin's PAT or an IdP JWT.",
    netbirdSettings,
  ),
  setting(
    "netbird",
    "caCertificate",
    false,
    "PEM of the CA that signed a self-hosted NetBird management server's certificate.",
    netbirdSettings,
  ),
  setting(
    "netbird",
    "requestsPerMinute",
    false,
    "At most this many NetBird API requests per minute per credential (default: as fast as the server allows; HTTP 429 slows the provider down on its own).",
    netbirdSettings,
    { resourceInput: false },
  ),
  setting("gcore", "apiUrl", false, "Gcore API base URL (default `https://api.gcore.com`).", gcoreSettings),
  setting(
    "gcore",
    "apiKey",
    true,
    "The Gcore reseller's permanent API token (`<id>_<secret>`), without the `APIKey ` prefix.",
    gcoreSettings,
  ),
  setting(
    "gcore",
    "caCertificate",
    false,
    "PEM of the CA that signed a self-hosted or proxied Gcore endpoint's certificate.",
    gcoreSettings,
  ),
  setting(
    "icp",
    "clusterUrl",
    false,
    "IBM Cloud Private management endpoint, `https://<master host>:8443`.",
    icpSettings,
  ),
  setting(
    "icp",
    "username",
    false,
    "ICP user for the OIDC password grant (with `icpPassword`).",
    icpSettings,
  ),
  setting("icp", "password", true, "Password of `icpUsername`.", icpSettings),
  setting(
    "icp",
    "idToken",
    true,
    "An ICP ID token (JWT with a `sub` claim), instead of `icpUsername`/`icpPassword`.",
    icpSettings,
  ),
  setting(
    "icp",
    "caCertificate",
    false,
    "PEM text of the CA that signed the ICP cluster's certificate.",
    icpSettings,
  ),
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
 * The stack config the core reads (`netbird:apiToken`, …) from the plugin's config. `args` are the
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

const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
const CONFIG_KEY = new RegExp(
  `(?<![\\w:])(${SETTINGS.map((entry) => escape(entry.configKey)).join("|")})(?![\\w])`,
  "g",
);
const KEY_OF = new Map(SETTINGS.map((entry) => [entry.configKey, `${PACKAGE}:${entry.key}`]));

/**
 * A message of the core as a plugin user should read it: the core names the dynamic resources'
 * stack config (`the stack config "netbird:apiToken"`), which the plugin reads from its own config
 * (`the provider config "tokens:netbirdApiToken"`).
 */
export function pluginWording(text: string): string {
  if (!text.includes("stack config")) return text;
  return text
    .replace(CONFIG_KEY, (configKey) => KEY_OF.get(configKey) ?? configKey)
    .replace(/\bstack config\b/g, "provider config");
}

/**
 * CheckConfig failures: a key that reads like a setting of a vendor but is none (a typo would
 * otherwise be ignored, and the setting silently taken from the environment). Other keys (the
 * engine's own, such as `version`) pass. No failure names a property: the engine would print its value.
 */
export function configFailures(config: Record<string, unknown>): { property: string; reason: string }[] {
  const known = new Set(SETTINGS.map((entry) => entry.key));
  return Object.keys(config)
    .filter((key) => /^(netbird|gcore|icp)[A-Z]/.test(key) && !known.has(key))
    .map((key) => ({
      property: "",
      reason: `"${PACKAGE}:${key}" is not a config key of the ${PACKAGE} provider; the keys are ${[...known].map((name) => `${PACKAGE}:${name}`).join(", ")}`,
    }));
}
