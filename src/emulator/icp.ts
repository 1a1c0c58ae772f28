/**
 * IBM Cloud Private (api-notes §3): the OIDC password grant at `/idprovider/v1/auth/identitytoken` and the
 * image-manager registry token endpoint `/image-manager/api/v1/auth/token` (Docker registry v2 token protocol).
 *
 * The token endpoint is a complete Docker token server (distribution spec auth/token.md, oauth.md, jwt.md): GET with
 * Basic or a Bearer ID token (a refresh token when `offline_token=true`), and the OAuth2 POST form with
 * `grant_type=password` or `refresh_token` (`access_type=offline` gives a refresh token; refreshing returns the
 * same one). `aud` is the requested `service`. The signing key is published as a JWKS (the key under the tokens'
 * libtrust `kid`) and as a self-signed certificate, so a real registry can be configured to trust it.
 *
 * Error shapes: the identity endpoint and the OAuth2 POST answer OAuth-style `{error, error_description}` (bad
 * credentials: 401 invalid_grant at the identity endpoint, 400 at the POST as RFC 6749 says); the GET token endpoint answers registry-style
 * `{"errors":[{"code","message"}]}` and a 401 carries `WWW-Authenticate: Basic`. Neither is documented by IBM
 * [api-notes: I].
 */
import { exportJWK } from "jose";
import { randomBase62, randomHex, safeEqual } from "./encoding.ts";
import { parseScopes, type ResourceScope } from "./icp-scope.ts";
import { generateRsaKeyPair, libtrustKeyId, signRs256, verifyRs256 } from "./jwt.ts";
import { selfSignedKeyCertificate } from "./tls.ts";
import type { VendorApi } from "./route.ts";
import {
  headerValue,
  isObject,
  parseJsonBody,
  type Route,
  type RouteResponse,
  reasonPhrase,
  reply,
} from "./route.ts";
import type { EmulatorClock, EmulatorSeeds, IcpControl } from "./types.ts";

const ID_TOKEN_LIFETIME_S = 43_200;
const REGISTRY_TOKEN_LIFETIME_S = 1800;
const REGISTRY_ISSUER = "registry-token-issuer";
/** Actions the ACL grants on each of the user's repositories. */
const GRANTED_ACTIONS = ["pull", "push"];

const oauthError = (status: number, error: string, description: string): RouteResponse =>
  reply(status, { error, error_description: description });
const registryError = (status: number, code: string, message: string): RouteResponse =>
  reply(status, { errors: [{ code, message }] });
const TOKEN_PATH = "/image-manager/api/v1/auth/token";
const unauthorized = (): RouteResponse => ({
  ...registryError(401, "UNAUTHORIZED", "authentication required"),
  headers: { "www-authenticate": 'Basic realm="image-manager", charset="UTF-8"' },
});

/** Registry error code for a status (faults and server errors). */
function registryCode(status: number): string {
  const codes: Record<number, string> = {
    401: "UNAUTHORIZED",
    403: "DENIED",
    429: "TOOMANYREQUESTS",
    503: "UNAVAILABLE",
  };
  return codes[status] ?? "UNKNOWN";
}

/** Builds the ICP APIs with one user and its repository ACL. */
export async function createIcp(clock: EmulatorClock): Promise<{
  api: VendorApi<IcpControl>;
  seeds: EmulatorSeeds["icp"];
}> {
  const [idKey, registryKey] = await Promise.all([generateRsaKeyPair(), generateRsaKeyPair()]);
  const kid = libtrustKeyId(registryKey.publicKey);
  const signingKey = {
    kid,
    jwks: { keys: [{ ...(await exportJWK(registryKey.publicKey)), kid, use: "sig", alg: "RS256" }] },
    certificatePem: selfSignedKeyCertificate(registryKey, REGISTRY_ISSUER),
  };
  /** Refresh tokens (OAuth2 `access_type=offline`, GET `offline_token=true`) → their user; they do not expire. */
  const refreshTokens = new Map<string, string>();
  let oauth2 = true;
  const host = "mycluster.icp";
  const issuer = `https://${host}:9443/oidc/endpoint/OP`;
  const oidcClientId = randomHex(16);
  const user = { username: "admin", password: randomBase62(20), repositories: ["ns/app"] };
  const seconds = () => Math.floor(clock.now().getTime() / 1000);

  const checkPassword = (username: string, password: string) =>
    safeEqual(username, user.username) && safeEqual(password, user.password);

  /** The username behind `Authorization: Bearer <ID token>` or `Basic base64(user:pass)`, if valid. */
  async function authenticate(authorization: string | undefined): Promise<string | undefined> {
    const [scheme = "", value = ""] = authorization?.trim().split(/\s+/) ?? [];
    if (scheme.toLowerCase() === "bearer") {
      try {
        const claims = await verifyRs256(value, idKey, clock.now(), { issuer });
        return claims.sub === user.username ? user.username : undefined;
      } catch {
        return undefined;
      }
    }
    if (scheme.toLowerCase() === "basic") {
      const decoded = Buffer.from(value, "base64").toString("utf8");
      const colon = decoded.indexOf(":");
      if (colon < 0) return undefined;
      const username = decoded.slice(0, colon);
      return checkPassword(username, decoded.slice(colon + 1)) ? username : undefined;
    }
    return undefined;
  }

  /** The requested scopes intersected with the ACL (a denied scope stays, with `actions: []`). */
  const grant = (scopes: ResourceScope[]): ResourceScope[] =>
    scopes.map((scope) => {
      const allowed =
        scope.type === "repository" && user.repositories.includes(scope.name) ? GRANTED_ACTIONS : [];
      return { ...scope, actions: [...new Set(scope.actions)].filter((action) => allowed.includes(action)) };
    });

  /** Signs a registry token for `username`; `scopes` undefined gives `access: null` (ICP, no scope asked). */
  async function issueRegistryToken(username: string, service: string, scopes: ResourceScope[] | undefined) {
    const iat = seconds();
    const token = await signRs256(
      {
        iss: REGISTRY_ISSUER,
        sub: username,
        aud: service,
        exp: iat + REGISTRY_TOKEN_LIFETIME_S,
        nbf: iat,
        iat,
        jti: randomBase62(16),
        access: scopes === undefined ? null : grant(scopes),
      },
      registryKey,
      { kid },
    );
    const issuedAt = new Date(iat * 1000).toISOString().replace(/\.\d{3}Z$/, "Z");
    return { token, expires_in: REGISTRY_TOKEN_LIFETIME_S, issued_at: issuedAt };
  }

  function newRefreshToken(username: string): string {
    const token = randomBase62(32);
    refreshTokens.set(token, username);
    return token;
  }

  const routes: Route[] = [
    {
      name: "icp.identityToken",
      method: "POST",
      path: "/idprovider/v1/auth/identitytoken",
      async handle(request) {
        const isJson = (headerValue(request.headers, "content-type") ?? "").toLowerCase().includes("json");
        let fields: Record<string, unknown>;
        if (isJson) {
          const parsed = parseJsonBody(request.body);
          if (!parsed.ok || !isObject(parsed.value)) {
            return oauthError(400, "invalid_request", "The request body is not a valid JSON object.");
          }
          fields = parsed.value;
        } else {
          fields = Object.fromEntries(new URLSearchParams(request.body.toString("utf8")));
        }
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
          return oauthError(
            400,
            "invalid_request",
            "A required parameter was missing: username or password.",
          );
        }
        if (!checkPassword(text("username"), text("password"))) {
          return oauthError(401, "invalid_grant", "The resource owner could not be verified.");
        }
        const scope = text("scope");
        const iat = seconds();
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
              uniqueSecurityName: user.username,
              iss: issuer,
              aud: oidcClientId,
              exp: iat + ID_TOKEN_LIFETIME_S,
              iat,
              sub: user.username,
            },
            idKey,
          );
        }
        return reply(200, response);
      },
    },
    {
      name: "icp.registryToken",
      method: "GET",
      path: TOKEN_PATH,
      async handle(request) {
        const username = await authenticate(headerValue(request.headers, "authorization"));
        if (username === undefined) return unauthorized();
        const scopeValues = request.query.getAll("scope");
        const requested = parseScopes(scopeValues);
        if (requested === undefined) return registryError(400, "UNSUPPORTED", "invalid scope");
        const issued = await issueRegistryToken(
          username,
          request.query.get("service") ?? "",
          scopeValues.length === 0 ? undefined : requested,
        );
        const { token, expires_in, issued_at } = issued;
        return reply(
          200,
          request.query.get("offline_token") === "true"
            ? { expires_in, issued_at, token, refresh_token: newRefreshToken(username) }
            : { expires_in, issued_at, token },
        );
      },
    },
    {
      name: "icp.oauthToken",
      method: "POST",
      path: TOKEN_PATH,
      async handle(request) {
        // Token servers without OAuth2 answer 404, and clients then fall back to GET (spec auth/oauth.md).
        if (!oauth2) return registryError(404, "NOT_FOUND", "not found");
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
        let username: string | undefined;
        let refreshToken: string | undefined;
        if (field("grant_type") === "password") {
          if (checkPassword(field("username"), field("password"))) username = field("username");
          if (username !== undefined && field("access_type") === "offline")
            refreshToken = newRefreshToken(username);
        } else if (field("grant_type") === "refresh_token") {
          username = refreshTokens.get(field("refresh_token"));
          refreshToken = username === undefined ? undefined : field("refresh_token"); // no rotation (spec)
        } else {
          return oauthError(
            400,
            "unsupported_grant_type",
            `The grant type ${JSON.stringify(field("grant_type"))} is not supported.`,
          );
        }
        if (username === undefined) {
          // RFC 6749 §5.2: a bad password or refresh token is 400 invalid_grant (401 is for client auth).
          return oauthError(
            400,
            "invalid_grant",
            "The resource owner or refresh token could not be verified.",
          );
        }
        const scope = field("scope");
        const requested = parseScopes([scope]);
        if (requested === undefined) return oauthError(400, "invalid_scope", "The scope is malformed.");
        const { token, expires_in, issued_at } = await issueRegistryToken(
          username,
          field("service"),
          scope === "" ? undefined : requested,
        );
        const response: Record<string, unknown> = { access_token: token, scope, expires_in, issued_at };
        if (refreshToken !== undefined) response.refresh_token = refreshToken;
        return reply(200, response);
      },
    },
  ];

  const control: IcpControl = {
    verifyRegistryToken: (token) => verifyRs256(token, registryKey, clock.now(), { issuer: REGISTRY_ISSUER }),
    registrySigningKey: () => structuredClone(signingKey),
    setOAuth2(enabled) {
      oauth2 = enabled;
    },
  };

  return {
    api: {
      vendor: "icp",
      contentType: "application/json",
      routes,
      errorBody(status, route) {
        if (route === "icp.identityToken" || route === "icp.oauthToken") {
          const error =
            status === 503 ? "temporarily_unavailable" : status >= 500 ? "server_error" : "invalid_request";
          return { error, error_description: reasonPhrase(status) };
        }
        return { errors: [{ code: registryCode(status), message: reasonPhrase(status).toLowerCase() }] };
      },
      control,
    },
    seeds: { username: user.username, password: user.password, host, repositories: [...user.repositories] },
  };
}
