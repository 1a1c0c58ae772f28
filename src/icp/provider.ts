/**
 * The policy of `icp.RegistryToken`: a short-lived Docker registry JWT from an IBM Cloud Private
 * cluster, fetched again when it is due.
 *
 * - issue / rotate: with `username` + `password`, POST the OIDC password grant for an ID token,
 *   then GET the image-manager token with `Authorization: Bearer <ID token>`; with `idToken`, only
 *   the GET. A rotation simply fetches a new token: the old one expires on its own (30 min).
 * - inspect: decodes the stored JWT locally (zero calls); expired → gone.
 * - revoke: ICP has no endpoint that revokes a registry token, so delete only forgets it.
 *
 * JWT claims are decoded, not verified: only the registry holds the key that signed them.
 *
 * @module
 */
import { decodeJwt, type JWTPayload } from "jose";
import type { CheckFailure } from "../core/check.ts";
import { now } from "../core/clock.ts";
import { notice } from "../core/log.ts";
import { redactUrl } from "../core/redact.ts";
import { MINUTE_MS } from "../core/rotation.ts";
import { configKeysPhrase, describeSources } from "../core/settings.ts";
import { createTokenProvider, type StoredToken } from "../core/token-provider.ts";
import { InvalidResponseError, MissingCredentialsError } from "../errors.ts";
import { accessOf, dockerConfigJson as protocolDockerConfigJson } from "../core/docker-token-protocol.ts";
import { connect } from "./api.ts";
import {
  defaultRegistry,
  inputSchema,
  parseScopes,
  type RegistryTokenInputs,
  type ResourceScope,
  storedSchema,
} from "./schemas.ts";
import { resolveAddresses, resolveSetting, SETTINGS, settingSource } from "./settings.ts";
import { REGISTRY_TOKEN } from "./definition.ts";

export type { RegistryTokenInputs } from "./schemas.ts";

/** What the provider stores besides the inputs (and `rotatesAt`). */
export type RegistryTokenState = {
  /** The registry JWT (secret). */
  token: string;
  /** RFC 3339. */
  issuedAt: string;
  /** RFC 3339, the JWT's `exp`. */
  expiresAt: string;
  /** The JWT's `access` claim (decoded, not verified); empty when nothing was granted or asked. */
  access: ResourceScope[];
  /** `{"auths":{"<registry>":{"registrytoken":"<token>"}}}` (secret). */
  dockerConfigJson: string;
};

type Stored = StoredToken<RegistryTokenInputs, RegistryTokenState>;

type Credentials =
  { form: "password"; username: string; password: string } | { form: "idToken"; idToken: string };

const TOKEN_PATH = "/image-manager/api/v1/auth/token";

/** Failures of settings that may come from stack config or the environment. */
function checkEnvironment(inputs: RegistryTokenInputs): CheckFailure[] {
  const failures = settingSource.failures(inputs);
  if (inputs.clusterUrl === undefined && resolveSetting("clusterUrl", undefined) === undefined) {
    failures.push({
      property: "",
      reason: `"clusterUrl" is required: set ${describeSources(settingSource("clusterUrl", undefined))}`,
    });
  }
  return [...failures, ...credentialFailures(inputs)];
}

/** Exactly one credential form across inputs, stack config and environment. */
function credentialFailures(inputs: RegistryTokenInputs): CheckFailure[] {
  const idToken = resolveSetting("idToken", inputs.idToken);
  const username = resolveSetting("username", inputs.username);
  const password = resolveSetting("password", inputs.password);
  if (idToken && (username || password)) {
    const others = [
      username && `"username" (from ${username.from})`,
      password && `"password" (from ${password.from})`,
    ].filter(Boolean);
    return [
      {
        property: "",
        reason: `give exactly one credential form: "idToken" (from ${idToken.from}) cannot be combined with ${others.join(" and ")}`,
      },
    ];
  }
  if (idToken) return []; // its value is checked by the input schema or by the settings table
  if (username && !password) {
    return [
      {
        property: "",
        reason: `"password" is required with "username" (from ${username.from}): set ${describeSources(settingSource("password", undefined))}`,
      },
    ];
  }
  if (password && !username) {
    return [
      {
        property: "",
        reason: `"username" is required with "password" (from ${password.from}): set ${describeSources(settingSource("username", undefined))}`,
      },
    ];
  }
  if (!username) {
    return [
      {
        property: "",
        reason:
          `no credentials: set "username" and "password" (inputs, ${configKeysPhrase([SETTINGS.username.configKey, SETTINGS.password.configKey])}, ` +
          `or ${SETTINGS.username.env} and ${SETTINGS.password.env}) or "idToken" (input, ${configKeysPhrase([SETTINGS.idToken.configKey])} or ${SETTINGS.idToken.env})`,
      },
    ];
  }
  return [];
}

/** The credentials `check` accepted (it already refused a mix of both forms). */
function credentialsOf(inputs: RegistryTokenInputs): Credentials {
  const username = resolveSetting("username", inputs.username)?.value;
  const password = resolveSetting("password", inputs.password)?.value;
  if (username !== undefined && password !== undefined) return { form: "password", username, password };
  const idToken = resolveSetting("idToken", inputs.idToken)?.value;
  if (idToken !== undefined) {
    return { form: "idToken", idToken };
  }
  const missing = username === undefined ? "username" : "password";
  throw new MissingCredentialsError("icp", missing, describeSources(settingSource(missing, undefined)));
}

/** Fetches a registry token: the ID token first when given a password, then the token itself. */
async function fetchToken(inputs: RegistryTokenInputs): Promise<RegistryTokenState> {
  const api = connect(inputs);
  const credentials = credentialsOf(inputs);
  const idToken =
    credentials.form === "password"
      ? await api.requestIdToken(credentials.username, credentials.password)
      : credentials.idToken;
  const answer = await api.requestRegistryToken(idToken, inputs.service, inputs.scope);

  let claims: JWTPayload;
  try {
    claims = decodeJwt(answer.token);
  } catch {
    const target = { vendor: "icp" as const, action: "request registry token", method: "GET" };
    throw new InvalidResponseError(
      { ...target, url: redactUrl(`${api.clusterUrl}${TOKEN_PATH}`) },
      "the token is not a JWT",
    );
  }
  const issuedAt = issuedAtOf(answer.issuedAt, claims);
  const expiresAt =
    typeof claims.exp === "number"
      ? new Date(claims.exp * 1000)
      : new Date(issuedAt.getTime() + (answer.expiresIn ?? 60) * 1000);
  const access = accessOf(claims);
  const registry = inputs.registry ?? defaultRegistry(api.clusterUrl);

  reportNarrowerAccess(inputs.scope, access);
  const lifetimeMinutes = (expiresAt.getTime() - issuedAt.getTime()) / MINUTE_MS;
  if (lifetimeMinutes <= inputs.rotateBeforeMinutes) {
    notice(
      "icp",
      `registry tokens of this cluster live ${Math.round(lifetimeMinutes)} min, not more than ` +
        `"rotateBeforeMinutes" (${inputs.rotateBeforeMinutes}): every "pulumi up" will fetch a new one`,
    );
  }
  return {
    token: answer.token,
    issuedAt: issuedAt.toISOString(),
    expiresAt: expiresAt.toISOString(),
    access,
    dockerConfigJson: dockerConfigJson(registry, answer.token),
  };
}

function issuedAtOf(reported: string | undefined, claims: JWTPayload): Date {
  const parsed = reported === undefined ? Number.NaN : Date.parse(reported);
  if (!Number.isNaN(parsed)) return new Date(parsed);
  return typeof claims.iat === "number" ? new Date(claims.iat * 1000) : now();
}

/**
 * Partial access is not an error in the token protocol; say in the engine log what is missing.
 * (Notices avoid "token" before a word of 12+ characters: redact() takes that for a credential.)
 */
function reportNarrowerAccess(scope: string | undefined, access: ResourceScope[]): void {
  for (const requested of scope === undefined ? [] : (parseScopes(scope) ?? [])) {
    const granted = access.find((entry) => entry.type === requested.type && entry.name === requested.name);
    const missing = requested.actions.filter((action) => !granted?.actions.includes(action));
    if (missing.length > 0) {
      notice(
        "icp",
        `the cluster did not grant ${requested.type}:${requested.name}:${missing.join(",")}; ` +
          "it grants only what the user may do",
      );
    }
  }
}

/** The Docker client config of a registry token (core/docker-token-protocol.ts). */
export const dockerConfigJson = protocolDockerConfigJson;

/** Local check of the stored token: no API call. */
async function inspect(stored: Stored) {
  let claims: JWTPayload | undefined;
  try {
    claims = decodeJwt(stored.token);
  } catch {
    return "gone" as const; // nothing usable is stored; `up --refresh` fetches a new token
  }
  const expiresAt =
    typeof claims.exp === "number" ? new Date(claims.exp * 1000).toISOString() : stored.expiresAt;
  if (!(Date.parse(expiresAt) > now().getTime())) return "gone" as const;
  // Rebuilt rather than carried over: state of 0.1.x holds the username/password form, which no client accepts.
  const registry =
    stored.registry ?? (stored.clusterUrl === undefined ? undefined : defaultRegistry(stored.clusterUrl));
  return {
    token: stored.token,
    issuedAt: stored.issuedAt,
    expiresAt,
    access: accessOf(claims),
    dockerConfigJson:
      registry === undefined ? stored.dockerConfigJson : dockerConfigJson(registry, stored.token),
  };
}

/** ICP has no endpoint that revokes a registry token: delete forgets it and says until when it works. */
async function forget(stored: Stored): Promise<void> {
  if (Date.parse(stored.expiresAt) > now().getTime()) {
    notice(
      "icp",
      `ICP has no revoke endpoint: the forgotten registry JWT stays valid until ${stored.expiresAt}`,
    );
  }
}

/** The icp token provider (loaded by the shim in the provider process). */
export const icpProvider = createTokenProvider<RegistryTokenInputs, RegistryTokenState>({
  vendor: "icp",
  inputSchema,
  storedSchema,
  resolveInputs: resolveAddresses,
  checkEnvironment,
  id: (inputs) => `${inputs.registry ?? "(no registry)"}/${inputs.scope ?? "*"}`,
  replaceOn: ["clusterUrl", "scope", "service", "registry", "username"],
  storedForm: REGISTRY_TOKEN.storedForm,
  issue: fetchToken,
  rotate: (inputs) => fetchToken(inputs),
  inspect,
  revoke: forget,
});
