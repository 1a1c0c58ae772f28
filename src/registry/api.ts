/**
 * Typed calls of the Docker Registry v2 token protocol (distribution docs/content/spec/auth/token.md and
 * oauth.md): the registry's 401 challenge, the token server's GET (Basic or anonymous) and its OAuth2
 * POST (`password` and `refresh_token` grants). `connect` resolves the CA to trust; the protocol's snake_case
 * stays in this file.
 *
 * @module
 */
import {
  describeTokenServerError,
  parseChallenges,
  type TokenAnswer,
  tokenAnswerOf,
  tokenAnswerSchema,
  tokenQuery,
} from "../core/docker-token-protocol.ts";
import { createHttpClient, type HttpClient, type HttpResponse } from "../core/http.ts";
import { redactUrl } from "../core/redact.ts";
import { ApiResponseError, InvalidCredentialsError, InvalidResponseError } from "../errors.ts";
import { resolveSetting } from "./settings.ts";

/** What the client needs; the CA falls back to stack config and environment when `connect` runs. */
export interface ConnectionInputs {
  caCertificate?: string | undefined;
}

/** The HTTP client for one origin (registry or token server). */
function registryClient(
  origin: string,
  caCertificate: string | undefined,
  secrets: readonly (string | undefined)[],
): HttpClient {
  return createHttpClient({
    vendor: "registry",
    baseUrl: origin,
    caCertificate,
    describeError: describeTokenServerError,
    secrets,
  });
}

/** What the registry's challenge names. */
export interface Challenge {
  realm: string;
  service: string | undefined;
}

/** `GET <registryUrl>/v2/`: see {@link RegistryApi.discover}. */
async function discover(client: HttpClient, registryUrl: string): Promise<Challenge> {
  const target = {
    vendor: "registry" as const,
    action: "read the registry's challenge",
    method: "GET",
    url: redactUrl(`${registryUrl.replace(/\/+$/, "")}/v2/`),
  };
  const response = await client.request({
    action: target.action,
    method: "GET",
    path: "/v2/",
    accept: [401],
    responseHeaders: ["www-authenticate"],
  });
  if (response.status !== 401) {
    throw new InvalidResponseError(
      target,
      `the registry answered HTTP ${response.status} without a challenge, so it names no token server; set "realm" and "service"`,
    );
  }
  const header = headerText(response, "www-authenticate");
  const bearer = parseChallenges(header).find(
    (challenge) => challenge.scheme === "bearer" && challenge.params.realm,
  );
  if (bearer === undefined) {
    throw new InvalidResponseError(
      target,
      `the 401 has no Bearer challenge with a realm (WWW-Authenticate: ${JSON.stringify(header.slice(0, 200))}); the registry does not use the token protocol`,
    );
  }
  return { realm: bearer.params.realm ?? "", service: bearer.params.service };
}

function headerText(response: HttpResponse<unknown>, name: string): string {
  const value = response.headers?.[name];
  if (Array.isArray(value)) return value.join(", ");
  return typeof value === "string" ? value : "";
}

/** One token request: where, for what, and with which credential. */
export interface TokenRequest {
  realm: URL;
  service: string;
  scopes: readonly string[];
  clientId: string;
  credential:
    | { grant: "basic"; username: string; password: string; from: string }
    | { grant: "password"; username: string; password: string; from: string }
    | { grant: "refresh_token"; refreshToken: string; from: string }
    | { grant: "anonymous" };
}

const GET_ACTION = "request registry token";
const POST_ACTION = "request registry token (OAuth2)";

/** A token from the token server: see {@link RegistryApi.requestToken}. */
async function requestToken(request: TokenRequest, caCertificate: string | undefined): Promise<TokenAnswer> {
  const { credential } = request;
  const secrets =
    credential.grant === "anonymous"
      ? []
      : credential.grant === "refresh_token"
        ? [credential.refreshToken]
        : [credential.password];
  const client = registryClient(request.realm.origin, caCertificate, secrets);
  if (credential.grant === "basic" || credential.grant === "anonymous") return getToken(client, request);

  const form: Record<string, string> = {
    grant_type: credential.grant,
    service: request.service,
    client_id: request.clientId,
    scope: request.scopes.join(" "),
    ...(credential.grant === "password"
      ? { username: credential.username, password: credential.password }
      : { refresh_token: credential.refreshToken }),
  };
  const response = await client.request({
    action: POST_ACTION,
    method: "POST",
    path: request.realm.pathname,
    ...(request.realm.search === "" ? {} : { searchParams: new URLSearchParams(request.realm.search) }),
    form,
    schema: tokenAnswerSchema(),
    accept: [400, 401, 404, 405],
    // Without access_type=offline the grant only issues another short-lived token, which nothing
    // stores or tracks: repeating it after a lost answer or a 5xx has no lasting effect.
    idempotent: true,
  });
  if (credential.grant === "password" && (response.status === 404 || response.status === 405))
    return getToken(client, { ...request, credential: { ...credential, grant: "basic" } });
  if (response.status === 400 || response.status === 401) {
    // oauth.md: a refused grant is 400 invalid_grant; some servers answer 401.
    const refused = response.status === 401 || response.apiMessage?.startsWith("invalid_grant") === true;
    if (refused)
      throw new InvalidCredentialsError(
        "registry",
        credential.grant === "password" ? "password" : "refreshToken",
        credential.from,
        response.status,
        POST_ACTION,
      );
  }
  if (response.status >= 300) {
    throw new ApiResponseError(
      { vendor: "registry", action: POST_ACTION, method: "POST", url: redactUrl(request.realm.href) },
      response.status,
      response.apiMessage,
    );
  }
  return tokenAnswerOf(response.body);
}

/** `GET <realm>?service=…&scope=…[&account=…]`, with Basic credentials or none. */
async function getToken(client: HttpClient, request: TokenRequest): Promise<TokenAnswer> {
  const { credential } = request;
  const searchParams = tokenQuery(request.service, request.scopes, request.realm.search);
  const basic = credential.grant === "basic" || credential.grant === "password" ? credential : undefined;
  // distribution's client sends the user name as `account` (internal/client/auth/session.go).
  if (basic) searchParams.append("account", basic.username);
  const response = await client.request({
    action: GET_ACTION,
    method: "GET",
    path: request.realm.pathname,
    searchParams,
    ...(basic
      ? { authorization: `Basic ${Buffer.from(`${basic.username}:${basic.password}`).toString("base64")}` }
      : {}),
    schema: tokenAnswerSchema(),
    ...(basic ? { accept: [401] } : {}),
  });
  if (basic && response.status === 401)
    throw new InvalidCredentialsError("registry", "password", basic.from, 401, GET_ACTION);
  return tokenAnswerOf(response.body);
}

/** The calls of the token protocol, for one registry and its token server. */
export interface RegistryApi {
  /**
   * `GET <registryUrl>/v2/` without credentials: the 401's `WWW-Authenticate: Bearer realm=…,service=…`.
   * The first Bearer challenge with a realm wins (a registry may offer Basic as well).
   */
  discover(registryUrl: string): Promise<Challenge>;
  /**
   * Fetches a token. `basic` and `anonymous` use GET (token.md), the grants POST (oauth.md). The
   * `password` grant falls back to GET with Basic when the server answers POST with 404 or 405, as
   * containerd does (remotes/docker/authorizer.go: "Registries without support for POST may return 404").
   */
  requestToken(request: TokenRequest): Promise<TokenAnswer>;
}

/** The token protocol's calls, trusting the CA the inputs name (input → stack config → environment). */
export function connect(inputs: ConnectionInputs): RegistryApi {
  const caCertificate = resolveSetting("caCertificate", inputs.caCertificate)?.value;
  return {
    discover: (registryUrl) =>
      discover(registryClient(new URL(registryUrl).origin, caCertificate, []), registryUrl),
    requestToken: (request) => requestToken(request, caCertificate),
  };
}
