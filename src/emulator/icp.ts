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
  registryError,
  type ResourceScope,
  rfc3339,
  type TokenSigner,
  tokenServerErrorBody,
} from "./docker-token.ts";
import { randomBase62, randomHex, safeEqual } from "./encoding.ts";
import { generateRsaKeyPair, signRs256, verifyRs256 } from "./jwt.ts";
import type { VendorApi } from "./route.ts";
import { headerValue, isObject, parseJsonBody, type Route, reply } from "./route.ts";
import type { EmulatorClock, EmulatorSeeds, IcpControl } from "./types.ts";

const ID_TOKEN_LIFETIME_S = 43_200;
const REGISTRY_TOKEN_LIFETIME_S = 1800;
/** Actions the ACL grants on each of the user's repositories. */
const GRANTED_ACTIONS = ["pull", "push"];
const TOKEN_PATH = "/image-manager/api/v1/auth/token";
const unauthorized = () => basicUnauthorized('Basic realm="image-manager", charset="UTF-8"');

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
  const idKey = await generateRsaKeyPair();
  /** Refresh tokens (OAuth2 `access_type=offline`, GET `offline_token=true`) → their user; they do not expire. */
  const refreshTokens = createRefreshTokens();
  let oauth2 = true;
  const host = "mycluster.icp";
  const issuer = `https://${host}:9443/oidc/endpoint/OP`;
  const oidcClientId = randomHex(16);
  const user = { username: "admin", password: randomBase62(20), repositories: ["ns/app"] };
  const seconds = () => epochSeconds(clock.now());

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
    const basic = basicCredentials(authorization);
    return basic !== undefined && checkPassword(basic.username, basic.password) ? basic.username : undefined;
  }

  /** The requested scopes intersected with the ACL (a denied scope stays, with `actions: []`). */
  const grant = (scopes: ResourceScope[]): ResourceScope[] =>
    cutScopes(scopes, (scope) =>
      scope.type === "repository" && user.repositories.includes(scope.name) ? GRANTED_ACTIONS : [],
    );

  /** Signs a registry token for `username`; `scopes` undefined gives `access: null` (ICP, no scope asked). */
  async function issueRegistryToken(username: string, service: string, scopes: ResourceScope[] | undefined) {
    const iat = seconds();
    const access = scopes === undefined ? null : grant(scopes);
    const token = await signer.sign(
      registryClaims(username, service, access, iat, REGISTRY_TOKEN_LIFETIME_S),
    );
    return {
      token,
      expiresIn: REGISTRY_TOKEN_LIFETIME_S,
      issuedAt: rfc3339(iat),
      granted: access ?? undefined,
    };
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
        const answer = { expires_in: issued.expiresIn, issued_at: issued.issuedAt, token: issued.token };
        return reply(
          200,
          request.query.get("offline_token") === "true"
            ? { ...answer, refresh_token: refreshTokens.issue(username) }
            : answer,
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
        return oauthPost(request, {
          checkPassword,
          refreshTokens,
          issue: issueRegistryToken,
          answerScope: "requested",
        });
      },
    },
  ];

  const control: IcpControl = {
    verifyRegistryToken: (token) => signer.verify(token, clock.now()),
    registrySigningKey: () => signer.signingKey(),
    setOAuth2(enabled) {
      oauth2 = enabled;
    },
  };

  return {
    api: {
      vendor: "icp",
      contentType: "application/json",
      routes,
      errorBody: (status, route) =>
        tokenServerErrorBody(status, route === "icp.identityToken" || route === "icp.oauthToken"),
      control,
    },
    seeds: { username: user.username, password: user.password, host, repositories: [...user.repositories] },
  };
}
