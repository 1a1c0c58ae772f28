/**
 * Input validation of `icp.RegistryToken`: the zod schema (built on call, never at module load)
 * and the value checks that `check` also applies to settings taken from stack config or the
 * environment (the settings table is in settings.ts). Every failure names its property in double quotes and never echoes a secret.
 *
 * @module
 */
import { decodeJwt } from "jose";
import { z } from "zod";
import { DEFAULT_ROTATE_BEFORE_MINUTES, DEFAULT_SERVICE } from "./definition.ts";
import { caCertificateProblem, checkedString } from "../core/check.ts";
import { parseScope, parseScopeList, issuedTokenStoredShape } from "../core/docker-token-protocol.ts";

/** Lifetime of an image-manager registry token (api-notes §3: `expires_in: 1800`). */
export const TOKEN_LIFETIME_MINUTES = 30;
/** Port of the ICP image registry on the cluster host (api-notes §3). */
export const REGISTRY_PORT = 8500;

/** The inputs after `check` (defaults applied, `clusterUrl` and `registry` resolved when possible). */
export type RegistryTokenInputs = {
  clusterUrl?: string | undefined;
  username?: string | undefined;
  password?: string | undefined;
  idToken?: string | undefined;
  scope?: string | undefined;
  service: string;
  registry?: string | undefined;
  caCertificate?: string | undefined;
  insecureSkipTlsVerify?: boolean | undefined;
  rotateBeforeMinutes: number;
  rotationTrigger?: string | undefined;
};

export type { ResourceScope } from "../core/docker-token-protocol.ts";

const ROTATE_BEFORE_REASON = `"rotateBeforeMinutes" must be an integer between 1 and ${TOKEN_LIFETIME_MINUTES - 1} (registry tokens live ${TOKEN_LIFETIME_MINUTES} minutes)`;

const nonEmpty = (property: string) =>
  z
    .string({ error: `"${property}" must be a string` })
    .min(1, { error: `"${property}" must not be empty` })
    .optional();

const withProblem = (property: string, problem: (value: string) => string | undefined) =>
  checkedString(property, problem).optional();

/** The input schema of `icp.RegistryToken`. */
export function inputSchema() {
  return z.object({
    clusterUrl: withProblem("clusterUrl", (value) => clusterUrlProblem(value)).meta({
      description:
        "The cluster's management endpoint, `https://<master host>:8443` (https only). Default: the " +
        "stack config `icp:clusterUrl`, else the environment variable `ICP_CLUSTER_URL`. Changing the " +
        "resolved value replaces the token.",
    }),
    username: nonEmpty("username").meta({
      description:
        "ICP user for the OIDC password grant; give it with `password`, or give `idToken` instead. " +
        "Default: stack config `icp:username`, else `ICP_USERNAME`. Changing the input replaces the " +
        "token.",
    }),
    password: nonEmpty("password").meta({
      description:
        "Password of `username` (stored as a secret). Default: stack config `icp:password`, else " +
        "`ICP_PASSWORD`.",
    }),
    idToken: withProblem("idToken", (value) => idTokenProblem(value)).meta({
      description:
        "An ICP ID token (JWT, e.g. from `cloudctl tokens`) used instead of `username`/`password`; it " +
        "must stay valid for every later rotation (ICP ID tokens are short-lived: often about 12 h, but " +
        "that is not documented). Stored as a secret. Default: stack config `icp:idToken`, else " +
        "`ICP_ID_TOKEN`.",
    }),
    scope: withProblem("scope", scopeProblem).meta({
      description:
        "Registry scope(s) asked for, in the Docker grammar `type[(class)]:name:action[,action]`, " +
        "several separated by single spaces, e.g. `repository:ns/app:pull`. The name may carry a " +
        "`host:port/` prefix. Default: none (the token then grants no repository access). Changing it " +
        "replaces the token.",
    }),
    service: checkedString("service", serviceProblem)
      .default(DEFAULT_SERVICE)
      .meta({
        description:
          "The token service name, sent as `service` with every request and becoming the token's `aud` " +
          "claim: it must equal the `service` the registry is configured with (its 401 challenge names " +
          "it), or the registry refuses the token. Default `token-service`, as ICP's image-manager uses. " +
          "Changing it replaces the token.",
      }),
    registry: withProblem("registry", registryProblem).meta({
      description:
        "The registry host the `dockerConfigJson` entry is for, `host[:port]` without scheme. Default: " +
        "the cluster host on port 8500, e.g. `mycluster.icp:8500`. Changing it replaces the token.",
    }),
    caCertificate: withProblem("caCertificate", caCertificateProblem).meta({
      description:
        "PEM of the CA that signed the cluster's certificate (ICP clusters use their own CA). Default: " +
        "stack config `icp:caCertificate`, else `ICP_CA_CERT` (PEM text, not a path), else the system " +
        "CAs.",
    }),
    insecureSkipTlsVerify: z
      .boolean({ error: '"insecureSkipTlsVerify" must be a boolean' })
      .optional()
      .meta({
        description:
          "Skip TLS certificate verification. Dangerous; only as an explicit input (no config or env " +
          "fallback), and every use writes a warning to the engine log. Default false.",
      }),
    rotateBeforeMinutes: z
      .number({ error: ROTATE_BEFORE_REASON })
      .int({ error: ROTATE_BEFORE_REASON })
      .min(1, { error: ROTATE_BEFORE_REASON })
      .max(TOKEN_LIFETIME_MINUTES - 1, { error: ROTATE_BEFORE_REASON })
      .default(DEFAULT_ROTATE_BEFORE_MINUTES)
      .meta({
        description:
          "Fetch a new token this many minutes before expiry; an integer 1-29 (tokens live 30 min). " +
          "Default 5.",
      }),
    rotationTrigger: z.string({ error: '"rotationTrigger" must be a string' }).optional().meta({
      description: "Any string; changing it fetches a new token on the next `up` (like `keepers`).",
    }),
  });
}

/** The registry of a cluster: its host on port 8500, e.g. `mycluster.icp:8500`. */
export function defaultRegistry(clusterUrl: string): string {
  return `${new URL(clusterUrl).hostname}:${REGISTRY_PORT}`;
}

/** Why a cluster URL is unusable, or undefined. `from` names a non-input source. */
export function clusterUrlProblem(value: string, from?: string): string | undefined {
  const where = from ? ` (from ${from})` : "";
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return `"clusterUrl" must be an https URL such as https://mycluster.icp:8443${where}`;
  }
  if (url.protocol !== "https:")
    return `"clusterUrl" must be an https URL such as https://mycluster.icp:8443${where}`;
  if (url.username !== "" || url.password !== "")
    return `"clusterUrl" must not contain a user name or password${where}`;
  if (url.search !== "" || url.hash !== "")
    return `"clusterUrl" must not contain a query or fragment${where}`;
  return undefined;
}

/** Why an ID token is unusable (not a JWT, or no `sub` to name the Docker user), or undefined. */
export function idTokenProblem(value: string, from?: string): string | undefined {
  const where = from ? ` (from ${from})` : "";
  let claims: Record<string, unknown>;
  try {
    claims = decodeJwt(value); // decoded, not verified: only the cluster can verify it
  } catch {
    return `"idToken" must be a JWT (three base64url parts separated by dots)${where}`;
  }
  if (typeof claims.sub !== "string" || claims.sub === "") {
    return `"idToken" must carry a "sub" claim (the ICP user name)${where}`;
  }
  return undefined;
}

const HOST =
  "(?:\\[[0-9A-Fa-f:.]+\\]|[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*)";
const REGISTRY_PATTERN = new RegExp(`^${HOST}(?::\\d{1,5})?$`);

function registryProblem(value: string): string | undefined {
  return REGISTRY_PATTERN.test(value)
    ? undefined
    : '"registry" must be a registry host with an optional port, such as mycluster.icp:8500 (no scheme or path)';
}

/** The scopes of a `scope` input (separated by single spaces); undefined if any is malformed. */
export const parseScopes = parseScopeList;

/** Longest accepted `service` (registries compare it byte for byte with the token's `aud`). */
const MAX_SERVICE_LENGTH = 255;

/** Why a token service name is unusable, or undefined: the registry's `auth.token.service`, sent as `aud`. */
export function serviceProblem(value: string): string | undefined {
  if (value === "") return '"service" must not be empty (ICP\'s token service is token-service)';
  if (value.length > MAX_SERVICE_LENGTH) return `"service" must be at most ${MAX_SERVICE_LENGTH} characters`;
  // eslint-disable-next-line no-control-regex -- control characters are exactly what is refused
  if (/[\u0000-\u001f\u007f]/.test(value) || value.trim() !== value) {
    return '"service" must not contain control characters or start or end with whitespace';
  }
  return undefined;
}

function scopeProblem(value: string): string | undefined {
  const bad = value.split(" ").find((part) => parseScope(part) === undefined);
  if (bad === undefined) return undefined;
  return (
    `"scope" has an invalid entry ${JSON.stringify(bad.slice(0, 120))}: expected type[(class)]:name:action[,action], ` +
    "e.g. repository:ns/app:pull, several separated by single spaces"
  );
}

/**
 * The stored outputs `update`, `read` and `delete` rely on. Loose (keys of other versions are kept).
 */
export function storedSchema() {
  const text = () => z.string({ error: "is missing or not a string" });
  return z.looseObject({
    clusterUrl: text().optional(),
    username: text().optional(),
    password: text().optional(),
    idToken: text().optional(),
    scope: text().optional(),
    service: text().default(DEFAULT_SERVICE),
    registry: text().optional(),
    caCertificate: text().optional(),
    insecureSkipTlsVerify: z.boolean({ error: "is not a boolean" }).optional(),
    rotateBeforeMinutes: z.number({ error: "is not a number" }).default(DEFAULT_ROTATE_BEFORE_MINUTES),
    rotationTrigger: text().optional(),
    ...issuedTokenStoredShape(),
    rotatesAt: text().default(""),
  });
}
