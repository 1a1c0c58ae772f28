/**
 * The Docker registry v2 token protocol, server side (distribution spec auth/token.md, oauth.md, jwt.md,
 * scope.md): what ICP's image-manager and the generic token server (`registry.ts`) share, so that the protocol is
 * written once.
 *
 * - one signing key and one issuer ({@link TOKEN_ISSUER}) per emulator, so a single registry `auth.token` config
 *   (issuer + JWKS) trusts the tokens of both servers;
 * - the scope grammar, cutting requested scopes down to an ACL, and the JWT claims;
 * - the answer shapes: registry-style `{"errors":[…]}` and OAuth-style `{error, error_description}`;
 * - refresh tokens (opaque, no expiry, the same one returned on refresh) and the OAuth2 POST form handler.
 */
import { exportJWK } from "jose";
import { randomBase62 } from "./encoding.ts";
import { generateRsaKeyPair, libtrustKeyId, type RsaKeyPair, signRs256, verifyRs256 } from "./jwt.ts";
import { headerValue, type RouteRequest, type RouteResponse, reasonPhrase, reply } from "./route.ts";
import { selfSignedKeyCertificate } from "./tls.ts";
import type { RegistrySigningKey } from "./types.ts";

/** The `iss` of every registry token the emulator signs (ICP's value, kept for both servers). */
export const TOKEN_ISSUER = "registry-token-issuer";

// ---------------------------------------------------------------------------------------------------------------
// Scopes (auth/scope.md)

/** One resource scope, as requested or as granted in a token's `access` claim. */
export interface ResourceScope {
  type: string;
  class?: string;
  name: string;
  actions: string[];
}

const RESOURCE_TYPE = /^([a-z0-9]+)(?:\(([a-z0-9]+)\))?$/;
const ACTION = /^(?:[a-z]+|\*)$/;

/**
 * Parses one scope `type[(class)]:name:action[,action]`; undefined when it does not follow the grammar. The name
 * may contain `host:port/`, so the type is split off at the FIRST ':' and the actions at the LAST one.
 */
export function parseScope(scope: string): ResourceScope | undefined {
  const first = scope.indexOf(":");
  const last = scope.lastIndexOf(":");
  if (first < 0 || last === first) return undefined;
  const typeMatch = RESOURCE_TYPE.exec(scope.slice(0, first));
  const name = scope.slice(first + 1, last);
  const actions = scope.slice(last + 1).split(",");
  if (typeMatch === null || name === "" || /\s/.test(name) || !actions.every((a) => ACTION.test(a))) {
    return undefined;
  }
  const [, type = "", resourceClass] = typeMatch;
  return resourceClass === undefined
    ? { type, name, actions }
    : { type, class: resourceClass, name, actions };
}

/**
 * Parses every `scope` value (each may hold several scopes separated by spaces, OAuth style) and merges scopes on
 * the same resource. Returns undefined if any scope is malformed.
 */
export function parseScopes(values: readonly string[]): ResourceScope[] | undefined {
  const merged = new Map<string, ResourceScope>();
  for (const raw of values.flatMap((value) => value.split(" ")).filter((s) => s !== "")) {
    const scope = parseScope(raw);
    if (scope === undefined) return undefined;
    const key = `${scope.type}(${scope.class ?? ""}):${scope.name}`;
    const existing = merged.get(key);
    if (existing === undefined) merged.set(key, scope);
    else existing.actions = [...new Set([...existing.actions, ...scope.actions])];
  }
  return [...merged.values()];
}

/** Formats scopes back into the grammar, space-separated (OAuth2's `scope` field). */
export function formatScopes(scopes: readonly ResourceScope[]): string {
  return scopes
    .map((s) => `${s.type}${s.class === undefined ? "" : `(${s.class})`}:${s.name}:${s.actions.join(",")}`)
    .join(" ");
}

/** The actions an account may perform on a resource (`*` allows every action). */
export type Acl = (scope: ResourceScope) => readonly string[];

/**
 * The requested scopes cut down to what `acl` allows. Partial access is not an error (token.md): a denied scope
 * stays, with `actions: []`, as distribution's token servers do.
 */
export function cutScopes(scopes: readonly ResourceScope[], acl: Acl): ResourceScope[] {
  return scopes.map((scope) => {
    const allowed = acl(scope);
    const actions = [...new Set(scope.actions)].filter((a) => allowed.includes("*") || allowed.includes(a));
    return { ...scope, actions };
  });
}

// ---------------------------------------------------------------------------------------------------------------
// Signing (auth/jwt.md)

/** The claims of a registry token (jwt.md); `access: null` is ICP's answer when no scope was asked. */
export interface RegistryClaims extends Record<string, unknown> {
  iss: string;
  sub: string;
  aud: string;
  exp: number;
  nbf: number;
  iat: number;
  jti: string;
  access: ResourceScope[] | null;
}

/** The emulator's one registry-token key: signs and verifies, and publishes itself for a registry to trust. */
export interface TokenSigner {
  /** The key as a registry is configured to trust it (a fresh copy each call). */
  signingKey(): RegistrySigningKey;
  /** Signs claims with the key, `kid` in the header. */
  sign(claims: RegistryClaims): Promise<string>;
  /** Verifies signature, iss, nbf and exp against `now`; returns the claims, throws if invalid. */
  verify(token: string, now: Date): Promise<Record<string, unknown>>;
}

/** Makes the signing key (RSA 2048, libtrust `kid`, JWKS and a self-signed certificate of the same key). */
export async function createTokenSigner(): Promise<TokenSigner> {
  const key: RsaKeyPair = await generateRsaKeyPair();
  const kid = libtrustKeyId(key.publicKey);
  const published: RegistrySigningKey = {
    kid,
    jwks: { keys: [{ ...(await exportJWK(key.publicKey)), kid, use: "sig", alg: "RS256" }] },
    certificatePem: selfSignedKeyCertificate(key, TOKEN_ISSUER),
  };
  return {
    signingKey: () => structuredClone(published),
    sign: (claims) => signRs256(claims, key, { kid }),
    verify: (token, now) => verifyRs256(token, key, now, { issuer: TOKEN_ISSUER }),
  };
}

/** Seconds since the epoch. */
export const epochSeconds = (at: Date): number => Math.floor(at.getTime() / 1000);

/** RFC 3339 UTC with seconds precision and `Z` (the spec's `issued_at`). */
export const rfc3339 = (seconds: number): string =>
  new Date(seconds * 1000).toISOString().replace(/\.\d{3}Z$/, "Z");

/** The claims of a token issued now: nbf = iat, exp = iat + lifetime, a random jti. */
export function registryClaims(
  subject: string,
  audience: string,
  access: ResourceScope[] | null,
  iat: number,
  lifetimeSeconds: number,
): RegistryClaims {
  return {
    iss: TOKEN_ISSUER,
    sub: subject,
    aud: audience,
    exp: iat + lifetimeSeconds,
    nbf: iat,
    iat,
    jti: randomBase62(16),
    access,
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Answers and requests

/** Registry-style error body `{"errors":[{code, message}]}`. */
export const registryError = (status: number, code: string, message: string): RouteResponse =>
  reply(status, { errors: [{ code, message }] });

/** OAuth-style error body (RFC 6749 §5.2). */
export const oauthError = (status: number, error: string, description: string): RouteResponse =>
  reply(status, { error, error_description: description });

/** Registry error code for a status the route did not produce itself (faults, 500). */
function registryCode(status: number): string {
  const codes: Record<number, string> = {
    401: "UNAUTHORIZED",
    403: "DENIED",
    429: "TOOMANYREQUESTS",
    503: "UNAVAILABLE",
  };
  return codes[status] ?? "UNKNOWN";
}

/** OAuth error code for a status the route did not produce itself (faults, 500). */
function oauthCode(status: number): string {
  return status === 503 ? "temporarily_unavailable" : status >= 500 ? "server_error" : "invalid_request";
}

/**
 * The body of a status a token server's route did not produce itself (faults, 413, 500): OAuth-style for the
 * OAuth2 endpoints (`oauth`), registry-style for the others.
 */
export function tokenServerErrorBody(status: number, oauth: boolean): unknown {
  return oauth
    ? { error: oauthCode(status), error_description: reasonPhrase(status) }
    : { errors: [{ code: registryCode(status), message: reasonPhrase(status).toLowerCase() }] };
}

/** The 401 of a token endpoint: `{"errors":[UNAUTHORIZED]}` with a Basic challenge for `realm`. */
export function basicUnauthorized(challenge: string): RouteResponse {
  return {
    ...registryError(401, "UNAUTHORIZED", "authentication required"),
    headers: { "www-authenticate": challenge },
  };
}

/** Username and password of `Authorization: Basic …`; undefined when the header is not Basic or malformed. */
export function basicCredentials(
  authorization: string | undefined,
): { username: string; password: string } | undefined {
  const [scheme = "", value = ""] = authorization?.trim().split(/\s+/) ?? [];
  if (scheme.toLowerCase() !== "basic") return undefined;
  const decoded = Buffer.from(value, "base64").toString("utf8");
  const colon = decoded.indexOf(":");
  return colon < 0 ? undefined : { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

/** Refresh tokens (oauth.md): opaque, no expiry, each bound to the account it was issued to. */
export interface RefreshTokens {
  /** A new refresh token for `subject`. */
  issue(subject: string): string;
  /** The account behind a refresh token, if it is known and not revoked. */
  subject(token: string): string | undefined;
  /** Forgets every refresh token; returns how many there were. */
  revokeAll(): number;
}

/** An empty refresh-token store. */
export function createRefreshTokens(): RefreshTokens {
  const tokens = new Map<string, string>();
  return {
    issue(subject) {
      const token = randomBase62(32);
      tokens.set(token, subject);
      return token;
    },
    subject: (token) => tokens.get(token),
    revokeAll() {
      const count = tokens.size;
      tokens.clear();
      return count;
    },
  };
}

/** What an OAuth2 POST handler needs from its server. */
export interface OAuthPostOptions {
  /** The account behind a username and password, if they are right. */
  checkPassword(username: string, password: string): boolean;
  readonly refreshTokens: RefreshTokens;
  /**
   * Issues the access token for an account: `scopes` undefined when no scope was asked. Returns the token, its
   * lifetime, its `issued_at` and the scopes it grants.
   */
  issue(
    subject: string,
    service: string,
    scopes: ResourceScope[] | undefined,
  ): Promise<{ token: string; expiresIn: number; issuedAt: string; granted: ResourceScope[] | undefined }>;
  /** `requested`: answer `scope` as asked (ICP); `granted`: the granted scopes, as oauth.md describes. */
  readonly answerScope: "requested" | "granted";
}

/**
 * `POST <realm>` with an `application/x-www-form-urlencoded` body (oauth.md): `grant_type=password` (username,
 * password; `access_type=offline` gives a refresh token) or `grant_type=refresh_token` (the same refresh token
 * comes back). `grant_type`, `service` and `client_id` are required, and the grant's own fields (`username` and
 * `password`, or `refresh_token`). A bad password or refresh token is 400 invalid_grant (RFC 6749 §5.2: 401 is
 * for client authentication).
 */
export async function oauthPost(request: RouteRequest, options: OAuthPostOptions): Promise<RouteResponse> {
  const contentType = (headerValue(request.headers, "content-type") ?? "").toLowerCase();
  if (!contentType.startsWith("application/x-www-form-urlencoded")) {
    return oauthError(400, "invalid_request", "The body must be application/x-www-form-urlencoded.");
  }
  const form = new URLSearchParams(request.body.toString("utf8"));
  const field = (name: string) => form.get(name) ?? "";
  for (const required of ["grant_type", "service", "client_id"]) {
    if (field(required) === "") {
      return oauthError(400, "invalid_request", `A required parameter was missing: ${required}.`);
    }
  }
  const grantFields: Record<string, string[]> = {
    password: ["username", "password"],
    refresh_token: ["refresh_token"],
  };
  for (const required of grantFields[field("grant_type")] ?? []) {
    if (field(required) === "") {
      return oauthError(400, "invalid_request", `A required parameter was missing: ${required}.`);
    }
  }
  let subject: string | undefined;
  let refreshToken: string | undefined;
  if (field("grant_type") === "password") {
    if (options.checkPassword(field("username"), field("password"))) subject = field("username");
    if (subject !== undefined && field("access_type") === "offline") {
      refreshToken = options.refreshTokens.issue(subject);
    }
  } else if (field("grant_type") === "refresh_token") {
    subject = options.refreshTokens.subject(field("refresh_token"));
    refreshToken = subject === undefined ? undefined : field("refresh_token"); // no rotation (oauth.md)
  } else {
    return oauthError(
      400,
      "unsupported_grant_type",
      `The grant type ${JSON.stringify(field("grant_type"))} is not supported.`,
    );
  }
  if (subject === undefined) {
    return oauthError(400, "invalid_grant", "The resource owner or refresh token could not be verified.");
  }
  const scope = field("scope");
  const requested = parseScopes([scope]);
  if (requested === undefined) return oauthError(400, "invalid_scope", "The scope is malformed.");
  const issued = await options.issue(subject, field("service"), scope === "" ? undefined : requested);
  const granted = (issued.granted ?? []).filter((s) => s.actions.length > 0);
  const response: Record<string, unknown> = {
    access_token: issued.token,
    scope: options.answerScope === "requested" ? scope : formatScopes(granted),
    expires_in: issued.expiresIn,
    issued_at: issued.issuedAt,
  };
  if (refreshToken !== undefined) response.refresh_token = refreshToken;
  return reply(200, response);
}

/** True for a string shaped like a compact JWS (three base64url parts). */
export const looksLikeJwt = (token: string): boolean => /^[\w-]+\.[\w-]+\.[\w-]+$/.test(token);
