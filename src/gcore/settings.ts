/**
 * Gcore's settings: where each one comes from when its input is not set (stack config, environment), what makes a
 * value unusable, and how the API URL is resolved at call time.
 *
 * @module
 */
import { caCertificateProblem } from "../core/check.ts";
import { lookupSetting, settingsOf } from "../core/settings.ts";
import { apiKeyProblem, apiUrlProblem } from "./schemas.ts";

/** The public Gcore API. */
export const DEFAULT_API_URL = "https://api.gcore.com";

/** Where each setting comes from when its input is not set, and what makes a value unusable. */
export const settingSource = settingsOf("gcore", {
  apiUrl: {
    configKey: "gcore:apiUrl",
    env: "GCORE_API_URL",
    description: "Gcore API base URL (default `https://api.gcore.com`).",
    problem: apiUrlProblem,
  },
  apiKey: {
    configKey: "gcore:apiKey",
    env: "GCORE_API_KEY",
    description: "The Gcore reseller's permanent API token (`<id>_<secret>`), without the `APIKey ` prefix.",
    secret: true,
    problem: apiKeyProblem,
  },
  caCertificate: {
    configKey: "gcore:caCertificate",
    env: "GCORE_CA_CERTIFICATE",
    description: "PEM of the CA that signed a self-hosted or proxied Gcore endpoint's certificate.",
    problem: caCertificateProblem,
  },
});

/** The API URL: input, stack config, environment, else the public API. No trailing slash. */
export function resolveApiUrl(input: string | undefined): string {
  return (lookupSetting(settingSource("apiUrl", input)) ?? DEFAULT_API_URL).replace(/\/+$/, "");
}
