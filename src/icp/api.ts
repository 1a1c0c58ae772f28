/**
 * Typed calls to IBM Cloud Private (api-notes §3): the OIDC password grant of the identity
 * provider and the image-manager registry token endpoint (Docker registry v2 token protocol).
 * `connect` resolves the cluster; the API's snake_case stays in this file.
 *
 * @module
 */
import { once } from "../core/once.ts";
import { z } from "zod";
import { createHttpClient, type HttpClient } from "../core/http.ts";
import { notice } from "../core/log.ts";
import { redactUrl } from "../core/redact.ts";
import {
  describeTokenServerError,
  type TokenAnswer,
  tokenAnswerOf,
  tokenAnswerSchema,
  tokenQuery,
} from "../core/docker-token-protocol.ts";
import { describeSources } from "../core/settings.ts";
import { MissingCredentialsError } from "../errors.ts";
import { resolveSetting, settingSource } from "./settings.ts";

/** What the client needs; each setting falls back to stack config and environment when `connect` runs. */
export interface ConnectionInputs {
  clusterUrl?: string | undefined;
  caCertificate?: string | undefined;
  insecureSkipTlsVerify?: boolean | undefined;
  /** Credentials the calls may send, scrubbed from error text. */
  password?: string | undefined;
  idToken?: string | undefined;
}

/** How to reach the cluster. */
interface Connection {
  /** `https://<master>:8443`, no trailing slash. */
  clusterUrl: string;
  caCertificate: string | undefined;
  insecureSkipTlsVerify: boolean;
}

/** The HTTP client for one cluster; warns in the engine log when TLS verification is off. */
function icpClient(connection: Connection, secrets: readonly (string | undefined)[]): HttpClient {
  if (connection.insecureSkipTlsVerify) {
    notice(
      "icp",
      `WARNING: "insecureSkipTlsVerify" is set: the TLS certificate of ${redactUrl(connection.clusterUrl).replace(/\/$/, "")} is NOT verified; ` +
        'set "caCertificate" to the cluster CA instead',
    );
  }
  return createHttpClient({
    vendor: "icp",
    baseUrl: connection.clusterUrl,
    caCertificate: connection.caCertificate,
    insecureSkipTlsVerify: connection.insecureSkipTlsVerify,
    describeError,
    secrets,
  });
}

/**
 * The API's message from an error body: OAuth-style `{error, error_description}` (identity
 * provider), registry-style `{errors:[{code, message}]}` (token endpoint) or `{message}`.
 */
export const describeError = describeTokenServerError;

const idTokenAnswer = once(() =>
  z.object({
    id_token: z
      .string({ error: "the answer has no id_token (the request asked for scope=openid)" })
      .min(1, { error: "the id_token is empty" }),
  }),
);

/** `POST /idprovider/v1/auth/identitytoken`: see {@link IcpApi.requestIdToken}. */
async function requestIdToken(client: HttpClient, username: string, password: string): Promise<string> {
  const { body } = await client.request({
    action: "request ID token",
    method: "POST",
    path: "/idprovider/v1/auth/identitytoken",
    form: { grant_type: "password", username, password, scope: "openid" },
    schema: idTokenAnswer(),
    // Repeating the password grant only issues another short-lived ID token, which nothing
    // stores or tracks: no lasting effect, so a lost answer or a 5xx may be retried.
    idempotent: true,
  });
  return body.id_token;
}

/** A registry token as the endpoint returned it. */
export type RegistryTokenAnswer = TokenAnswer;

/** `GET /image-manager/api/v1/auth/token`: see {@link IcpApi.requestRegistryToken}. */
async function requestRegistryToken(
  client: HttpClient,
  idToken: string,
  service: string,
  scope: string | undefined,
): Promise<RegistryTokenAnswer> {
  const searchParams = tokenQuery(service, scope?.split(" ") ?? []);
  const { body } = await client.request({
    action: "request registry token",
    method: "GET",
    path: "/image-manager/api/v1/auth/token",
    authorization: `Bearer ${idToken}`,
    searchParams,
    schema: tokenAnswerSchema(),
  });
  return tokenAnswerOf(body);
}

/** The calls of one cluster. */
export interface IcpApi {
  /** The cluster's management endpoint, `https://<master>:8443`, no trailing slash. */
  readonly clusterUrl: string;
  /**
   * OIDC password grant: `POST /idprovider/v1/auth/identitytoken` (form, scope=openid) → the ID token.
   */
  requestIdToken(username: string, password: string): Promise<string>;
  /**
   * `GET /image-manager/api/v1/auth/token?service=<service>` with `Authorization: Bearer <ID token>`,
   * plus one `scope` parameter per resource scope (the protocol's GET form). `service` is sent even
   * without a scope: the token's `aud` is the service, and a registry refuses any other audience.
   */
  requestRegistryToken(
    idToken: string,
    service: string,
    scope: string | undefined,
  ): Promise<RegistryTokenAnswer>;
}

/**
 * The API of the cluster the inputs name (input → stack config → environment). Throws
 * {@link MissingCredentialsError} when no cluster URL is set anywhere. The HTTP client is built at the
 * first call, so the warning about `insecureSkipTlsVerify` is written once, and only when a call is made.
 */
export function connect(inputs: ConnectionInputs): IcpApi {
  const clusterUrl = inputs.clusterUrl ?? resolveSetting("clusterUrl", undefined)?.value;
  if (clusterUrl === undefined)
    throw new MissingCredentialsError(
      "icp",
      "clusterUrl",
      describeSources(settingSource("clusterUrl", undefined)),
    );
  const connection: Connection = {
    clusterUrl: clusterUrl.replace(/\/+$/, ""),
    caCertificate: resolveSetting("caCertificate", inputs.caCertificate)?.value,
    insecureSkipTlsVerify: inputs.insecureSkipTlsVerify === true,
  };
  const secrets = [
    resolveSetting("password", inputs.password)?.value,
    resolveSetting("idToken", inputs.idToken)?.value,
  ].filter((secret) => secret !== undefined);
  let client: HttpClient | undefined;
  const cluster = () => (client ??= icpClient(connection, secrets));
  return {
    clusterUrl: connection.clusterUrl,
    requestIdToken: (username, password) => requestIdToken(cluster(), username, password),
    requestRegistryToken: (idToken, service, scope) =>
      requestRegistryToken(cluster(), idToken, service, scope),
  };
}
