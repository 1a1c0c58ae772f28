/**
 * Input validation of `registry.Token`: the zod schema (built on call, never at module load) and the
 * value checks that `check` also applies to settings taken from stack config or the environment (the
 * settings table is in settings.ts). Every failure names its property in double quotes and never echoes
 * a secret.
 *
 * @module
 */
import { z } from "zod";
import { caCertificateProblem, checkedString } from "../core/check.ts";
import { parseScope, type ResourceScope, issuedTokenStoredShape } from "../core/docker-token-protocol.ts";
import { DEFAULT_CLIENT_ID, DEFAULT_GRANT_TYPE, DEFAULT_ROTATE_BEFORE_SECONDS } from "./definition.ts";

/** How the token server is asked (see docs/registry.md). */
export const GRANT_TYPES = ["auto", "basic", "password", "refresh_token", "anonymous"] as const;
/** One of {@link GRANT_TYPES}. */
export type GrantType = (typeof GRANT_TYPES)[number];

/** The actions the distribution registry knows (scope.md, token.md). */
export const ACTIONS = ["pull", "push", "delete", "*"] as const;

/** The largest `rotateBeforeSeconds`: one day. */
export const MAX_ROTATE_BEFORE_SECONDS = 86_400;

/** The inputs after `check` (defaults applied, `registry` resolved). */
export type TokenInputs = {
  registryUrl?: string | undefined;
  realm?: string | undefined;
  service?: string | undefined;
  trustedRealmHosts?: string[] | undefined;
  scopes: string[];
  username?: string | undefined;
  password?: string | undefined;
  refreshToken?: string | undefined;
  clientId: string;
  grantType: GrantType;
  registry?: string | undefined;
  caCertificate?: string | undefined;
  allowInsecureHttp?: boolean | undefined;
  rotateBeforeSeconds: number;
  rotationTrigger?: string | undefined;
};

export type { ResourceScope };

const ROTATE_BEFORE_REASON = `"rotateBeforeSeconds" must be an integer between 0 and ${MAX_ROTATE_BEFORE_SECONDS}`;
const GRANT_TYPE_REASON = `"grantType" must be one of ${GRANT_TYPES.map((grant) => `"${grant}"`).join(", ")}`;

const nonEmpty = (property: string) =>
  z
    .string({ error: `"${property}" must be a string` })
    .min(1, { error: `"${property}" must not be empty` })
    .optional();

/** The input schema of `registry.Token`. */
export function inputSchema() {
  return z
    .object({
      registryUrl: checkedString("registryUrl", (value) => urlProblem("registryUrl", value, true))
        .optional()
        .meta({
          description:
            "The registry, `https://<host>[:port]` with no path. Its `GET /v2/` challenge names the token server (`realm`) and the `service`. Give this, or `realm` and `service`. Changing it replaces the token.",
        }),
      realm: checkedString("realm", (value) => urlProblem("realm", value, true))
        .optional()
        .meta({
          description:
            "The token server's URL (e.g. `https://auth.docker.io/token`); overrides the challenge's, and names a host you trust. https only, unless `allowInsecureHttp`. Changing it replaces the token.",
        }),
      service: checkedString("service", serviceProblem).optional().meta({
        description:
          "The service name sent with every request, which becomes the token's audience; it must equal the registry's configured service. Default: the challenge's. Changing it replaces the token.",
      }),
      trustedRealmHosts: z
        .array(checkedString("trustedRealmHosts", trustedHostProblem), {
          error: '"trustedRealmHosts" must be a list of host names',
        })
        .optional()
        .meta({
          description:
            "Host names of token servers you trust on another host than the registry (e.g. `auth.docker.io`). A challenge naming any other host is refused before a credential is sent.",
        }),
      scopes: z
        .array(checkedString("scopes", scopeProblem), {
          error: '"scopes" must be a list of scopes such as ["repository:team/app:pull"]',
        })
        .min(1, { error: '"scopes" must list at least one scope, such as "repository:team/app:pull"' })
        .meta({
          description:
            "One or more scopes, `type[(class)]:name:action[,action]`, e.g. `repository:team/app:pull,push` or `registry:catalog:*`; actions are pull, push, delete and `*`. Changing them replaces the token.",
        }),
      username: nonEmpty("username").meta({
        description:
          "User name (Basic or OAuth2 password grant). Default: stack config `registry:username`, else `REGISTRY_USERNAME`.",
      }),
      password: nonEmpty("password").meta({
        description:
          "Password (secret). Default: stack config `registry:password`, else `REGISTRY_PASSWORD`.",
      }),
      refreshToken: nonEmpty("refreshToken").meta({
        description:
          "A long-lived OAuth2 refresh token (Docker's `identitytoken`), secret. Default: stack config `registry:refreshToken`, else `REGISTRY_REFRESH_TOKEN`.",
      }),
      clientId: checkedString("clientId", clientIdProblem)
        .default(DEFAULT_CLIENT_ID)
        .meta({ description: "`client_id` of the OAuth2 grants. Default `pulumi-tokens`." }),
      grantType: z.enum(GRANT_TYPES, { error: GRANT_TYPE_REASON }).default(DEFAULT_GRANT_TYPE).meta({
        description:
          "`auto` (default: a refresh token → OAuth2 `refresh_token`; user name and password → Basic GET; nothing → anonymous), `basic`, `password` (OAuth2 POST, falling back to Basic GET on 404/405), `refresh_token` or `anonymous`.",
      }),
      registry: checkedString("registry", registryProblem).optional().meta({
        description:
          "The `host[:port]` the `dockerConfigJson` entry is for. Default: the registry's host (else the realm's).",
      }),
      caCertificate: checkedString("caCertificate", caCertificateProblem).optional().meta({
        description:
          "PEM of the CA of a private registry or token server. Default: stack config `registry:caCertificate`, else `REGISTRY_CA_CERT` (PEM text), else the system CAs.",
      }),
      allowInsecureHttp: z.boolean({ error: '"allowInsecureHttp" must be a boolean' }).optional().meta({
        description: "Allow `http://` for `registryUrl` and `realm` (loopback tests). Default false.",
      }),
      rotateBeforeSeconds: z
        .number({ error: ROTATE_BEFORE_REASON })
        .int({ error: ROTATE_BEFORE_REASON })
        .min(0, { error: ROTATE_BEFORE_REASON })
        .max(MAX_ROTATE_BEFORE_SECONDS, { error: ROTATE_BEFORE_REASON })
        .default(DEFAULT_ROTATE_BEFORE_SECONDS)
        .meta({
          description:
            "Fetch a new token this many seconds before expiry; 0-86400, default 300. A token that lives no longer than this is fetched again on every `pulumi up`.",
        }),
      rotationTrigger: z.string({ error: '"rotationTrigger" must be a string' }).optional().meta({
        description: "Any string; changing it fetches a new token on the next `up` (like `keepers`).",
      }),
    })
    .superRefine((inputs, ctx) => {
      const fail = (message: string) => ctx.addIssue({ code: "custom", message, path: [] });
      const insecure = inputs.allowInsecureHttp === true;
      for (const property of ["registryUrl", "realm"] as const) {
        const value = inputs[property];
        if (value !== undefined && !insecure && parsedUrl(value)?.protocol === "http:")
          fail(`"${property}" must be an https URL; plain http only with "allowInsecureHttp": true`);
      }
      if (inputs.registryUrl === undefined && inputs.realm === undefined)
        fail('give "registryUrl" (its 401 challenge names the token server), or "realm" and "service"');
      else if (inputs.registryUrl === undefined && inputs.service === undefined)
        fail(
          '"service" is required with "realm" when "registryUrl" is not given (the registry compares it with the token\'s audience)',
        );
      const registryUrl = inputs.registryUrl === undefined ? undefined : parsedUrl(inputs.registryUrl);
      if (registryUrl !== undefined && registryUrl.pathname !== "/")
        fail('"registryUrl" must have no path: the registry API is at /v2/ of its host');
    });
}

function parsedUrl(value: string): URL | undefined {
  try {
    return new URL(value);
  } catch {
    return undefined;
  }
}

/** Why a registry or token server URL is unusable (the https rule is checked with `allowInsecureHttp`). */
export function urlProblem(property: string, value: string, httpAllowed: boolean): string | undefined {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return `"${property}" must be an https URL such as https://registry.example.com`;
  }
  if (url.protocol !== "https:" && !(httpAllowed && url.protocol === "http:"))
    return `"${property}" must be an https URL such as https://registry.example.com`;
  if (url.username !== "" || url.password !== "")
    return `"${property}" must not contain a user name or password`;
  if (url.hash !== "") return `"${property}" must not contain a fragment`;
  if (property === "registryUrl" && url.search !== "") return `"${property}" must not contain a query`;
  return undefined;
}

/** Longest accepted `service` (registries compare it byte for byte with the token's `aud`). */
const MAX_SERVICE_LENGTH = 255;

/** Why a token service name is unusable, or undefined. */
export function serviceProblem(value: string): string | undefined {
  if (value === "")
    return '"service" must not be empty (the registry\'s challenge names it, e.g. registry.docker.io)';
  if (value.length > MAX_SERVICE_LENGTH) return `"service" must be at most ${MAX_SERVICE_LENGTH} characters`;
  // eslint-disable-next-line no-control-regex -- control characters are exactly what is refused
  if (/[\u0000-\u001f\u007f]/.test(value) || value.trim() !== value)
    return '"service" must not contain control characters or start or end with whitespace';
  return undefined;
}

function clientIdProblem(value: string): string | undefined {
  // eslint-disable-next-line no-control-regex -- control characters are exactly what is refused
  if (value === "" || /[\u0000-\u0020\u007f]/.test(value))
    return '"clientId" must be a non-empty string without spaces or control characters';
  return undefined;
}

const HOST =
  "(?:\\[[0-9A-Fa-f:.]+\\]|[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*)";
const REGISTRY_PATTERN = new RegExp(`^${HOST}(?::\\d{1,5})?$`);
const HOST_PATTERN = new RegExp(`^${HOST}$`);

function registryProblem(value: string): string | undefined {
  return REGISTRY_PATTERN.test(value)
    ? undefined
    : '"registry" must be a registry host with an optional port, such as registry.example.com:5000 (no scheme or path)';
}

function trustedHostProblem(value: string): string | undefined {
  return HOST_PATTERN.test(value)
    ? undefined
    : `"trustedRealmHosts" has an invalid entry ${JSON.stringify(value.slice(0, 120))}: expected a host name such as auth.docker.io (no scheme, port or path)`;
}

/** Why one entry of `scopes` is unusable, or undefined. */
export function scopeProblem(value: string): string | undefined {
  const scope = parseScope(value);
  const quoted = JSON.stringify(value.slice(0, 120));
  if (scope === undefined)
    return `"scopes" has an invalid entry ${quoted}: expected type[(class)]:name:action[,action], such as repository:team/app:pull,push`;
  const unknown = scope.actions.find((action) => !(ACTIONS as readonly string[]).includes(action));
  if (unknown !== undefined)
    return `"scopes" entry ${quoted} asks for the unknown action ${JSON.stringify(unknown)}: the actions are pull, push, delete and *`;
  return undefined;
}

/** The host[:port] the docker config entry is for: the registry's, else the token server's. */
export function defaultRegistry(inputs: Pick<TokenInputs, "registryUrl" | "realm">): string | undefined {
  const url = inputs.registryUrl ?? inputs.realm;
  return url === undefined ? undefined : new URL(url).host;
}

/** Fills `registry` from the registry URL (or the realm), so that it is stored and compared as an input. */
export function resolveRegistry(inputs: TokenInputs): TokenInputs {
  return inputs.registry !== undefined ? inputs : { ...inputs, registry: defaultRegistry(inputs) };
}

/**
 * The stored outputs `update`, `read` and `delete` rely on. Loose (keys of other versions are kept).
 */
export function storedSchema() {
  const text = () => z.string({ error: "is missing or not a string" });
  return z.looseObject({
    registryUrl: text().optional(),
    realm: text(),
    service: text(),
    registry: text().optional(),
    scopes: z.array(text(), { error: "is not a list" }),
    username: text().optional(),
    clientId: text().default(DEFAULT_CLIENT_ID),
    grantType: z.enum(GRANT_TYPES, { error: "is not a grant type" }).default(DEFAULT_GRANT_TYPE),
    rotateBeforeSeconds: z.number({ error: "is not a number" }).default(DEFAULT_ROTATE_BEFORE_SECONDS),
    ...issuedTokenStoredShape(),
    rotatesAt: text().default(""),
  });
}
