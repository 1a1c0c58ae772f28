/**
 * NetBird's settings: where each one comes from when its input is not set (stack config, environment), what makes
 * a value unusable, and how the resolved values are read at call time.
 *
 * @module
 */
import { caCertificateProblem } from "../core/check.ts";
import { lookupSetting, settingsOf } from "../core/settings.ts";
import {
  apiTokenProblem,
  DEFAULT_MANAGEMENT_URL,
  managementUrlProblem,
  normalizeManagementUrl,
  requestsPerMinuteProblem,
} from "./schemas.ts";

/** Where each setting comes from when its input is not set, and what makes a value unusable. */
export const settingSource = settingsOf("netbird", {
  managementUrl: {
    configKey: "netbird:managementUrl",
    env: "NB_MANAGEMENT_URL",
    description: "NetBird management API base URL, without `/api` (default `https://api.netbird.io`).",
    problem: (value) => {
      const problem = managementUrlProblem(value);
      return problem && `"managementUrl" ${problem}`;
    },
  },
  apiToken: {
    configKey: "netbird:apiToken",
    env: "NB_PAT",
    description: "The NetBird credential that manages tokens: an admin's PAT or an IdP JWT.",
    secret: true,
    problem: apiTokenProblem,
  },
  caCertificate: {
    configKey: "netbird:caCertificate",
    env: "NB_CA_CERTIFICATE",
    description: "PEM of the CA that signed a self-hosted NetBird management server's certificate.",
    problem: caCertificateProblem,
  },
  requestsPerMinute: {
    configKey: "netbird:requestsPerMinute",
    env: "NB_REQUESTS_PER_MINUTE",
    description:
      "At most this many NetBird API requests per minute per credential (default: as fast as the server allows; HTTP 429 slows the provider down on its own).",
    resourceInput: false,
    problem: requestsPerMinuteProblem,
  },
});

/** The management URL: input, stack config, environment, else NetBird cloud. */
export function resolveManagementUrl(input: string | undefined): string {
  return normalizeManagementUrl(
    lookupSetting(settingSource("managementUrl", input)) ?? DEFAULT_MANAGEMENT_URL,
  );
}

/**
 * The cap on requests per minute (per credential, for the whole provider process) from the stack config
 * or the environment; undefined when unset or unusable (check reports an unusable value).
 */
export function resolveRequestsPerMinute(): number | undefined {
  const value = lookupSetting(settingSource("requestsPerMinute", undefined));
  return value === undefined || requestsPerMinuteProblem(value) ? undefined : Number(value);
}
