/**
 * IBM Cloud Private (api-notes §3): the OIDC password grant at `/idprovider/v1/auth/identitytoken` and the
 * image-manager registry token endpoint `/image-manager/api/v1/auth/token` (Docker registry v2 token protocol).
 *
 * The token endpoint is a complete Docker token server (distribution spec auth/token.md, oauth.md, jwt.md): GET with
 * Basic or a Bearer ID token (a refresh token when `offline_token=true`), and the OAuth2 POST form with
 * `grant_type=password` or `refresh_token` (`access_type=offline` gives a refresh token; refreshing returns the
 * same one). `aud` is the requested `service`. The signing key is published as a JWKS (the key under the tokens'
 * libtrust `kid`) and as a self-signed certificate, so a real registry can be configured to trust it. The protocol
 * pieces (scopes, claims, key, OAuth2 POST) live in `docker-token.ts`, shared with the generic token server.
 *
 * Error shapes: the identity endpoint and the OAuth2 POST answer OAuth-style `{error, error_description}` (bad
 * credentials: 401 invalid_grant at the identity endpoint, 400 at the POST as RFC 6749 says); the GET token endpoint answers registry-style
 * `{"errors":[{"code","message"}]}` and a 401 carries `WWW-Authenticate: Basic`. Neither is documented by IBM
 * [api-notes: I].
 */
import {
  basicCredentials,
  basicUnauthorized,
  createRefreshTokens,
  cutScopes,
  epochSeconds,
  oauthError,
  oauthPost,
  parseScopes,
  registryClaims,
  type RefreshTokens,
  registryError,
  type ResourceScope,
  rfc3339,
  type TokenSigner,
  tokenServerErrorBody,
} from "./docker-token.ts";
import { randomBase62, randomHex, safeEqual } from "./encoding.ts";
import { generateRsaKeyPair, type RsaKeyPair, signRs256, verifyRs256 } from "./jwt.ts";
import type { VendorApi } from "./route.ts";
import {
  headerValue,
  isObject,
  parseJsonBody,
  type Route,
  type RouteRequest,
  type RouteResponse,
  reply,
  routesOf,
} from "./route.ts";
import type { EmulatorClock, EmulatorSeeds, IcpControl } from "./types.ts";

const ID_TOKEN_LIFETIME_S = 43_200;
const REGISTRY_TOKEN_LIFETIME_S = 1800;
/** Actions the ACL grants on each of the user's repositories. */
const GRANTED_ACTIONS = ["pull", "push"];
const TOKEN_PATH = "/image-manager/api/v1/auth/token";
const unauthorized = () => basicUnauthorized('Basic realm="image-manager", charset="UTF-8"');

/** The emulated service's data: the clock, the keys, the one user and its ACL, refresh tokens, the OAuth2 switch. */
interface Icp {
  readonly clock: EmulatorClock;
  /** The emulator's one registry-token key, shared with the generic token server. */
  readonly signer: TokenSigner;
  /** Signs and verifies the OIDC ID tokens. */
  readonly idKey: RsaKeyPair;
  readonly host: string;
  readonly issuer: string;
  readonly oidcClientId: string;
  readonly user: { readonly username: string; readonly password: string; readonly repositories: string[] };
  /** Refresh tokens (OAuth2 `access_type=offline`, GET `offline_token=true`) → their user; they do not expire. */
  readonly refreshTokens: RefreshTokens;
  /** Whether the token endpoint takes the OAuth2 POST (off: 404, and clients fall back to GET). */
  oauth2: boolean;
}

/**
 * Builds the ICP APIs with one user and its repository ACL. `signer` is the emulator's one registry-token key,
 * shared with the generic token server (`registry.ts`).
 */
export async function createIcp(
  clock: EmulatorClock,
  signer: TokenSigner,
): Promise<{
  api: VendorApi<IcpControl>;
  seeds: EmulatorSeeds["icp"];
}> {
  const icp = await seedIcp(clock, signer);
  return {
    api: {
      vendor: "icp",
      contentType: "application/json",
      routes: icpRoutes(icp),
      errorBody: (status, route) =>
        tokenServerErrorBody(status, route === "icp.identityToken" || route === "icp.oauthToken"),
      control: icpControl(icp),
    },
    seeds: {
      username: icp.user.username,
      password: icp.user.password,
      host: icp.host,
      repositories: [...icp.user.repositories],
    },
  };
}

/** The service's data at start: a fresh ID-token key, and user `admin` with a random password and `ns/app`. */
async function seedIcp(clock: EmulatorClock, signer: TokenSigner): Promise<Icp> {
  const idKey = await generateRsaKeyPair();
  const refreshTokens = createRefreshTokens();
  const host = "mycluster.icp";
  return {
    clock,
    signer,
    idKey,
    host,
    issuer: `https://${host}:9443/oidc/endpoint/OP`,
    oidcClientId: randomHex(16),
    user: { username: "admin", password: randomBase62(20), repositories: ["ns/app"] },
    refreshTokens,
    oauth2: true,
  };
}

/** Now, in epoch seconds. */
const seconds = (icp: Icp) => epochSeconds(icp.clock.now());

/** True when the username and password are the user's. */
const checkPassword = (icp: Icp, username: string, password: string) =>
  safeEqual(username, icp.user.username) && safeEqual(password, icp.user.password);

/** The username behind `Authorization: Bearer <ID token>` or `Basic base64(user:pass)`, if valid. */
async function authenticate(icp: Icp, authorization: string | undefined): Promise<string | undefined> {
  const [scheme = "", value = ""] = authorization?.trim().split(/\s+/) ?? [];
  if (scheme.toLowerCase() === "bearer") {
    try {
      const claims = await verifyRs256(value, icp.idKey, icp.clock.now(), { issuer: icp.issuer });
      return claims.sub === icp.user.username ? icp.user.username : undefined;
    } catch {
      return undefined;
    }
  }
  const basic = basicCredentials(authorization);
  return basic !== undefined && checkPassword(icp, basic.username, basic.password)
    ? basic.username
    : undefined;
}

/** The requested scopes intersected with the ACL (a denied scope stays, with `actions: []`). */
const grant = (icp: Icp, scopes: ResourceScope[]): ResourceScope[] =>
  cutScopes(scopes, (scope) =>
    scope.type === "repository" && icp.user.repositories.includes(scope.name) ? GRANTED_ACTIONS : [],
  );

/** Signs a registry token for `username`; `scopes` undefined gives `access: null` (ICP, no scope asked). */
async function issueRegistryToken(
  icp: Icp,
  username: string,
  service: string,
  scopes: ResourceScope[] | undefined,
) {
  const iat = seconds(icp);
  const access = scopes === undefined ? null : grant(icp, scopes);
  const token = await icp.signer.sign(
    registryClaims(username, service, access, iat, REGISTRY_TOKEN_LIFETIME_S),
  );
  return {
    token,
    expiresIn: REGISTRY_TOKEN_LIFETIME_S,
    issuedAt: rfc3339(iat),
    granted: access ?? undefined,
  };
}

/** The routes of the ICP APIs. */
function icpRoutes(icp: Icp): Route[] {
  return routesOf<Icp>(icp, [
    ["icp.identityToken", "POST", "/idprovider/v1/auth/identitytoken", identityToken],
    ["icp.registryToken", "GET", TOKEN_PATH, registryToken],
    ["icp.oauthToken", "POST", TOKEN_PATH, oauthToken],
  ]);
}

/** The identity endpoint's fields, from a JSON or form body; or the 400 for a body that is not a JSON object. */
function identityFields(
  request: RouteRequest,
): { fields: Record<string, unknown> } | { response: RouteResponse } {
  const isJson = (headerValue(request.headers, "content-type") ?? "").toLowerCase().includes("json");
  if (!isJson) return { fields: Object.fromEntries(new URLSearchParams(request.body.toString("utf8"))) };
  const parsed = parseJsonBody(request.body);
  if (!parsed.ok || !isObject(parsed.value)) {
    return { response: oauthError(400, "invalid_request", "The request body is not a valid JSON object.") };
  }
  return { fields: parsed.value };
}

/**
 * `POST /idprovider/v1/auth/identitytoken`: the OIDC password grant (JSON or form body); an ID token when the
 * scope asks for `openid`.
 */
async function identityToken(icp: Icp, request: RouteRequest): Promise<RouteResponse> {
  const body = identityFields(request);
  if ("response" in body) return body.response;
  const { fields } = body;
  const text = (name: string) => (typeof fields[name] === "string" ? (fields[name] as string) : "");
  const grantType = text("grant_type");
  if (grantType === "")
    return oauthError(400, "invalid_request", "A required parameter was missing: grant_type.");
  if (grantType !== "password") {
    return oauthError(
      400,
      "unsupported_grant_type",
      `The grant type ${JSON.stringify(grantType)} is not supported.`,
    );
  }
  if (text("username") === "" || text("password") === "") {
    return oauthError(400, "invalid_request", "A required parameter was missing: username or password.");
  }
  if (!checkPassword(icp, text("username"), text("password"))) {
    return oauthError(401, "invalid_grant", "The resource owner could not be verified.");
  }
  const scope = text("scope");
  const iat = seconds(icp);
  const response: Record<string, unknown> = {
    access_token: randomBase62(40),
    token_type: "Bearer",
    expires_in: ID_TOKEN_LIFETIME_S,
    scope,
    refresh_token: randomBase62(42),
  };
  // Standard OIDC: an ID token only when the scope asks for openid.
  if (scope.split(/\s+/).includes("openid")) {
    response.id_token = await signRs256(
      {
        at_hash: randomBase62(20).toLowerCase(),
        realmName: "customRealm",
        uniqueSecurityName: icp.user.username,
        iss: icp.issuer,
        aud: icp.oidcClientId,
        exp: iat + ID_TOKEN_LIFETIME_S,
        iat,
        sub: icp.user.username,
      },
      icp.idKey,
    );
  }
  return reply(200, response);
}

/** `GET /image-manager/api/v1/auth/token`: a registry token for Basic or a Bearer ID token. */
async function registryToken(icp: Icp, request: RouteRequest): Promise<RouteResponse> {
  const username = await authenticate(icp, headerValue(request.headers, "authorization"));
  if (username === undefined) return unauthorized();
  const scopeValues = request.query.getAll("scope");
  const requested = parseScopes(scopeValues);
  if (requested === undefined) return registryError(400, "UNSUPPORTED", "invalid scope");
  const issued = await issueRegistryToken(
    icp,
    username,
    request.query.get("service") ?? "",
    scopeValues.length === 0 ? undefined : requested,
  );
  const answer = { expires_in: issued.expiresIn, issued_at: issued.issuedAt, token: issued.token };
  return reply(
    200,
    request.query.get("offline_token") === "true"
      ? { ...answer, refresh_token: icp.refreshTokens.issue(username) }
      : answer,
  );
}

/** `POST /image-manager/api/v1/auth/token`: the OAuth2 form, unless OAuth2 is switched off. */
async function oauthToken(icp: Icp, request: RouteRequest): Promise<RouteResponse> {
  // Token servers without OAuth2 answer 404, and clients then fall back to GET (spec auth/oauth.md).
  if (!icp.oauth2) return registryError(404, "NOT_FOUND", "not found");
  return oauthPost(request, {
    checkPassword: (username, password) => checkPassword(icp, username, password),
    refreshTokens: icp.refreshTokens,
    issue: (subject, service, scopes) => issueRegistryToken(icp, subject, service, scopes),
    answerScope: "requested",
  });
}

/** What tests may do behind the API's back: verify registry tokens, read the signing key, switch OAuth2. */
function icpControl(icp: Icp): IcpControl {
  return {
    verifyRegistryToken: (token) => icp.signer.verify(token, icp.clock.now()),
    registrySigningKey: () => icp.signer.signingKey(),
    setOAuth2(enabled) {
      icp.oauth2 = enabled;
    },
  };
}
