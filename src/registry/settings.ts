/**
 * The registry kind's settings: where each one comes from when its input is not set (stack config, environment),
 * what makes a value unusable, and the resolver that reads them when `check` or a call runs.
 *
 * @module
 */
import { caCertificateProblem } from "../core/check.ts";
import { type SettingsTable, settingsOf } from "../core/settings.ts";

/** Where each setting comes from when it is not a resource input: stack config, then environment. */
export const SETTINGS = {
  username: {
    configKey: "registry:username",
    env: "REGISTRY_USERNAME",
    description:
      "User name for the token server (Basic or the OAuth2 password grant), e.g. a Harbor `robot$ci`.",
  },
  password: {
    configKey: "registry:password",
    env: "REGISTRY_PASSWORD",
    description: "Password (or access token) of `registryUsername`.",
    secret: true,
  },
  refreshToken: {
    configKey: "registry:refreshToken",
    env: "REGISTRY_REFRESH_TOKEN",
    description:
      "A long-lived OAuth2 refresh token (Docker's `identitytoken`) for the `refresh_token` grant.",
    secret: true,
  },
  caCertificate: {
    configKey: "registry:caCertificate",
    env: "REGISTRY_CA_CERT",
    description: "PEM text of the CA that signed the registry's and the token server's certificates.",
    problem: caCertificateProblem,
  },
} satisfies SettingsTable;

/** A setting that can come from an input, the stack config or the environment. */
export type SettingName = keyof typeof SETTINGS;

/** Where each setting comes from when its input is not set. */
export const settingSource = settingsOf("registry", SETTINGS);

/** Resolves a setting (input → stack config → environment) and says where it was found. */
export const resolveSetting = settingSource.find;
