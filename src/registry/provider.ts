/**
 * The policy of `registry.Token`: a short-lived token of the Docker Registry v2 token protocol, fetched
 * again when it is due.
 *
 * - issue / rotate: find the token server (the registry's 401 challenge, or the `realm` and `service`
 *   inputs), then ask it: GET with Basic credentials or none, or an OAuth2 POST (`password`,
 *   `refresh_token`). A challenge that names a token server on another host than the registry is
 *   refused before any credential is sent, unless the user named that host.
 * - inspect: decodes a JWT locally, reads the stored expiry of an opaque token (zero calls); expired → gone.
 * - revoke: the protocol has no revoke endpoint, so delete only forgets the token.
 *
 * JWT claims are decoded, not verified: only the registry holds the key that signed them.
 *
 * @module
 */
import { decodeJwt, type JWTPayload } from "jose";
import type { CheckFailure } from "../core/check.ts";
import { now } from "../core/clock.ts";
import {
  accessOf,
  DEFAULT_EXPIRES_IN_SECONDS,
  dockerConfigJson,
  formatScope,
  missingAccess,
  parseScope,
  type ResourceScope,
} from "../core/docker-token-protocol.ts";
import { notice } from "../core/log.ts";
import type { Properties } from "../core/properties.ts";
import { redactUrl } from "../core/redact.ts";
import { describeSources, type FoundSetting } from "../core/settings.ts";
import { createTokenProvider, type StoredToken, type TokenProvider } from "../core/token-provider.ts";
import { InvalidResponseError, MissingCredentialsError } from "../errors.ts";
import { type Challenge, connect, type RegistryApi, type TokenRequest } from "./api.ts";
import { DEFAULT_ROTATE_BEFORE_SECONDS, STORED_FORM } from "./definition.ts";
import { defaultRegistry, inputSchema, resolveRegistry, storedSchema, type TokenInputs } from "./schemas.ts";
import { resolveSetting, settingSource } from "./settings.ts";

export type { TokenInputs } from "./schemas.ts";

/** What the provider stores besides the inputs (and `rotatesAt`). */
export type TokenState = {
  /** The registry token, a JWT or opaque (secret). */
  token: string;
  /** RFC 3339: the answer's `issued_at`, else when it was received. */
  issuedAt: string;
  /** RFC 3339: `issued_at + expires_in`; the JWT's `exp` when the answer has no `expires_in`. */
  expiresAt: string;
  /** A JWT's `access` claim (decoded, not verified); for an opaque token, the scopes asked for. */
  access: ResourceScope[];
  /** `{"auths":{"<registry>":{"registrytoken":"<token>"}}}` (secret). */
  dockerConfigJson: string;
  /** The token server's URL used. */
  realm: string;
  /** The service name sent (the token's audience). */
  service: string;
};

type Stored = StoredToken<TokenInputs, TokenState>;

/** Failures of settings and credentials that may come from stack config or the environment. */
function checkEnvironment(inputs: TokenInputs): CheckFailure[] {
  return [...settingSource.failures(inputs), ...credentialFailures(inputs)];
}

const fail = (reason: string): CheckFailure[] => [{ property: "", reason }];

/** The credentials the grant type needs are there, and none it would not send is given as an input. */
function credentialFailures(inputs: TokenInputs): CheckFailure[] {
  const grant = inputs.grantType;
  const given = (["username", "password", "refreshToken"] as const).filter(
    (key) => inputs[key] !== undefined,
  );
  if (grant === "anonymous" && given.length > 0)
    return fail(
      `"grantType" "anonymous" sends no credentials: remove ${given.map((key) => `"${key}"`).join(" and ")}`,
    );
  if ((grant === "basic" || grant === "password") && inputs.refreshToken !== undefined)
    return fail(
      `"refreshToken" cannot be used with "grantType" "${grant}", which sends "username" and "password": use "refresh_token" or "auto"`,
    );
  if (grant === "refresh_token" && (inputs.username !== undefined || inputs.password !== undefined))
    return fail('"grantType" "refresh_token" sends only "refreshToken": remove "username" and "password"');
  const refreshToken = resolveSetting("refreshToken", inputs.refreshToken);
  if (grant === "refresh_token") {
    return refreshToken
      ? []
      : fail(`"refreshToken" is required with "grantType" "refresh_token": set ${sources("refreshToken")}`);
  }
  if (grant === "anonymous" || (grant === "auto" && refreshToken)) return [];
  const username = resolveSetting("username", inputs.username);
  const password = resolveSetting("password", inputs.password);
  if (username && !password)
    return fail(`"password" is required with "username" (from ${username.from}): set ${sources("password")}`);
  if (password && !username)
    return fail(`"username" is required with "password" (from ${password.from}): set ${sources("username")}`);
  if (!username && grant !== "auto")
    return fail(
      `"grantType" "${grant}" needs "username" and "password": set ${sources("username")}, and the same for "password"`,
    );
  return [];
}

const sources = (property: "username" | "password" | "refreshToken") =>
  describeSources(settingSource(property, undefined));

/** The credential to send, by grant type (check made sure what it needs is there). */
function credentialOf(inputs: TokenInputs): TokenRequest["credential"] {
  if (inputs.grantType === "anonymous") return { grant: "anonymous" };
  const refreshToken = resolveSetting("refreshToken", inputs.refreshToken);
  if (inputs.grantType === "refresh_token" || (inputs.grantType === "auto" && refreshToken)) {
    if (!refreshToken) throw new MissingCredentialsError("registry", "refreshToken", sources("refreshToken"));
    return { grant: "refresh_token", refreshToken: refreshToken.value, from: refreshToken.from };
  }
  const username = resolveSetting("username", inputs.username);
  const password = resolveSetting("password", inputs.password);
  // auto: Basic GET with a user name and password, as docker does (moby registry/auth.go hands
  // distribution's token handler no refresh token and no ForceOAuth, so it GETs with Basic).
  if (username && password) return basicOrPassword(inputs, username, password);
  if (inputs.grantType === "auto") return { grant: "anonymous" };
  const missing = username ? "password" : "username";
  throw new MissingCredentialsError("registry", missing, sources(missing));
}

function basicOrPassword(
  inputs: TokenInputs,
  username: FoundSetting,
  password: FoundSetting,
): TokenRequest["credential"] {
  const grant = inputs.grantType === "password" ? "password" : "basic";
  return { grant, username: username.value, password: password.value, from: password.from };
}

/** The token server and service: the inputs, else the registry's challenge (a realm on another host refused). */
async function endpointOf(api: RegistryApi, inputs: TokenInputs): Promise<{ realm: URL; service: string }> {
  let challenge: Challenge | undefined;
  if (inputs.realm === undefined || inputs.service === undefined)
    challenge = await api.discover(inputs.registryUrl as string); // check requires it without realm + service
  const realmText = inputs.realm ?? challenge?.realm ?? "";
  const problem = (text: string) =>
    new InvalidResponseError(
      {
        vendor: "registry",
        action: "read the registry's challenge",
        method: "GET",
        url: redactUrl(`${inputs.registryUrl ?? ""}/v2/`),
      },
      text,
    );
  let realm: URL;
  try {
    realm = new URL(realmText);
  } catch {
    throw problem("the challenge's realm is not a URL");
  }
  if (inputs.realm === undefined) {
    if (realm.protocol !== "https:" && !(realm.protocol === "http:" && inputs.allowInsecureHttp === true))
      throw problem(
        `the challenge names the token server ${redactUrl(realm.href)}, which is not https; no credential was sent to it (plain http only with "allowInsecureHttp": true)`,
      );
    const registryHost = new URL(inputs.registryUrl as string).hostname.toLowerCase();
    const host = realm.hostname.toLowerCase();
    const trusted = (inputs.trustedRealmHosts ?? []).some((entry) => entry.toLowerCase() === host);
    if (host !== registryHost && !trusted)
      throw problem(
        `the challenge names the token server ${redactUrl(realm.href)} on another host than the registry; ` +
          `no credential was sent to it. If you trust it, add "${host}" to "trustedRealmHosts" (or set "realm")`,
      );
  }
  const service = inputs.service ?? challenge?.service;
  if (service === undefined || service === "")
    throw problem('the challenge names no service; set "service" (the registry\'s auth.token.service)');
  return { realm, service };
}

/** Fetches a token and what is known about it. */
async function fetchToken(inputs: TokenInputs): Promise<TokenState> {
  const credential = credentialOf(inputs);
  const api = connect(inputs);
  const { realm, service } = await endpointOf(api, inputs);
  const answer = await api.requestToken({
    realm,
    service,
    scopes: inputs.scopes,
    clientId: inputs.clientId,
    credential,
  });
  const claims = jwtClaims(answer.token);
  const issuedAt = issuedAtOf(answer.issuedAt);
  // expires_in first (token.md); a JWT's exp only when there is none (docker_auth sends none).
  const expiresAt =
    answer.expiresIn !== undefined
      ? new Date(issuedAt.getTime() + answer.expiresIn * 1000)
      : typeof claims?.exp === "number"
        ? new Date(claims.exp * 1000)
        : new Date(issuedAt.getTime() + DEFAULT_EXPIRES_IN_SECONDS * 1000);
  const requested = inputs.scopes.map((scope) => parseScope(scope)).filter((scope) => scope !== undefined);
  const access = claims ? accessOf(claims) : requested;
  if (claims) reportNarrowerAccess(requested, access);
  const registry = inputs.registry ?? defaultRegistry(inputs) ?? realm.host;
  const lifetimeSeconds = Math.round((expiresAt.getTime() - issuedAt.getTime()) / 1000);
  if (lifetimeSeconds <= inputs.rotateBeforeSeconds)
    notice("registry", shortLifetime(lifetimeSeconds, inputs.rotateBeforeSeconds));
  return {
    token: answer.token,
    issuedAt: issuedAt.toISOString(),
    expiresAt: expiresAt.toISOString(),
    access,
    dockerConfigJson: dockerConfigJson(registry, answer.token),
    realm: realm.href,
    service,
  };
}

/** Why every `pulumi up` fetches a new token of this lifetime. */
export function shortLifetime(lifetimeSeconds: number, windowSeconds: number): string {
  const relation = lifetimeSeconds < windowSeconds ? "less than" : "as long as";
  return (
    `the token lives ${lifetimeSeconds} s, ${relation} the rotate-before window of ${windowSeconds} s, ` +
    'so every `pulumi up` fetches a new one (lower "rotateBeforeSeconds" to keep it longer)'
  );
}

/** The claims of a JWT; undefined for an opaque token. */
function jwtClaims(token: string): JWTPayload | undefined {
  try {
    return decodeJwt(token);
  } catch {
    return undefined;
  }
}

function issuedAtOf(reported: string | undefined): Date {
  const parsed = reported === undefined ? Number.NaN : Date.parse(reported);
  return Number.isNaN(parsed) ? now() : new Date(parsed);
}

/**
 * Partial access is not an error in the token protocol; say in the engine log what is missing.
 * (Notices avoid "token" before a word of 12+ characters: redact() takes that for a credential.)
 */
function reportNarrowerAccess(requested: ResourceScope[], access: ResourceScope[]): void {
  for (const missing of missingAccess(requested, access))
    notice(
      "registry",
      `the token server did not grant ${formatScope(missing)}; it grants only what the account may do`,
    );
}

/** Local check of the stored token: no API call. */
async function inspect(stored: Stored) {
  const claims = jwtClaims(stored.token);
  const expiresAt = stored.expiresAt;
  if (!(Date.parse(expiresAt) > now().getTime())) return "gone" as const;
  return {
    token: stored.token,
    issuedAt: stored.issuedAt,
    expiresAt,
    access: claims ? accessOf(claims) : (stored.access as ResourceScope[]),
    dockerConfigJson: stored.dockerConfigJson,
    realm: stored.realm,
    service: stored.service,
  };
}

/** The protocol has no revoke endpoint: delete forgets the token and says until when it works. */
async function forget(stored: Stored): Promise<void> {
  if (Date.parse(stored.expiresAt) > now().getTime())
    notice(
      "registry",
      `the token protocol has no revoke endpoint: the forgotten registry token stays valid until ${stored.expiresAt}`,
    );
}

/**
 * A due rotation of a token that lives no longer than its window says so: it is due on every `up`. Other
 * rotations (a trigger, an expired token) keep the generic words.
 */
function rotationWording(stored: Properties, at: Date) {
  const issuedAt = Date.parse(String(stored.issuedAt));
  const expiresAt = Date.parse(String(stored.expiresAt));
  const window =
    typeof stored.rotateBeforeSeconds === "number"
      ? stored.rotateBeforeSeconds
      : DEFAULT_ROTATE_BEFORE_SECONDS;
  const lifetimeMs = expiresAt - issuedAt;
  if (!(lifetimeMs <= window * 1000) || !(expiresAt > at.getTime())) return undefined;
  return { cause: shortLifetime(Math.round(lifetimeMs / 1000), window) };
}

/** The registry token provider (loaded by the shim in the provider process). */
export const registryProvider: TokenProvider = createTokenProvider<TokenInputs, TokenState>({
  vendor: "registry",
  inputSchema,
  storedSchema,
  resolveInputs: resolveRegistry,
  // Found by the challenge and then kept: a rotation asks the same token server without a new challenge.
  discoveredInputs: ["realm", "service"],
  checkEnvironment,
  id: (inputs) => `${inputs.registry ?? "(no registry)"}/${inputs.scopes.join(" ")}`,
  replaceOn: ["registryUrl", "realm", "service", "scopes", "registry", "username", "grantType", "clientId"],
  storedForm: STORED_FORM,
  issue: fetchToken,
  rotate: (inputs) => fetchToken(inputs),
  rotationWording,
  inspect,
  revoke: forget,
});
