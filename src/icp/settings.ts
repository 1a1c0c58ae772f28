/**
 * ICP's settings: where each one comes from when its input is not set (stack config, environment), what makes a
 * value unusable, and the resolvers that read them when `check` or a call runs.
 *
 * @module
 */
import { caCertificateProblem } from "../core/check.ts";
import { lookupSetting, type SettingsTable, settingsOf } from "../core/settings.ts";
import { clusterUrlProblem, defaultRegistry, idTokenProblem, type RegistryTokenInputs } from "./schemas.ts";

/** Where each setting comes from when it is not a resource input: stack config, then environment. */
export const SETTINGS = {
  clusterUrl: {
    configKey: "icp:clusterUrl",
    env: "ICP_CLUSTER_URL",
    description: "IBM Cloud Private management endpoint, `https://<master host>:8443`.",
    problem: (value) => clusterUrlProblem(value),
  },
  username: {
    configKey: "icp:username",
    env: "ICP_USERNAME",
    description: "ICP user for the OIDC password grant (with `icpPassword`).",
  },
  password: {
    configKey: "icp:password",
    env: "ICP_PASSWORD",
    description: "Password of `icpUsername`.",
    secret: true,
  },
  idToken: {
    configKey: "icp:idToken",
    env: "ICP_ID_TOKEN",
    description: "An ICP ID token (JWT with a `sub` claim), instead of `icpUsername`/`icpPassword`.",
    secret: true,
    problem: (value) => idTokenProblem(value),
  },
  caCertificate: {
    configKey: "icp:caCertificate",
    env: "ICP_CA_CERT",
    description: "PEM text of the CA that signed the ICP cluster's certificate.",
    problem: caCertificateProblem,
  },
} satisfies SettingsTable;

/** A setting that can come from an input, the stack config or the environment. */
export type SettingName = keyof typeof SETTINGS;

/** Where each setting comes from when its input is not set. */
export const settingSource = settingsOf("icp", SETTINGS);

/** Resolves a setting (input → stack config → environment) and says where it was found. */
export const resolveSetting = settingSource.find;

/**
 * Fills `clusterUrl` from stack config / environment and `registry` from the cluster host, so both
 * are stored as inputs: a changed `icp:clusterUrl` config then replaces the token exactly like a
 * changed input would.
 */
export function resolveAddresses(inputs: RegistryTokenInputs): RegistryTokenInputs {
  const clusterUrl = inputs.clusterUrl ?? lookupSetting(settingSource("clusterUrl", undefined));
  // An invalid or missing URL from config/env is left for checkEnvironment to report.
  if (clusterUrl === undefined || clusterUrlProblem(clusterUrl) !== undefined) return inputs;
  const normalized = clusterUrl.replace(/\/+$/, "");
  return { ...inputs, clusterUrl: normalized, registry: inputs.registry ?? defaultRegistry(normalized) };
}
