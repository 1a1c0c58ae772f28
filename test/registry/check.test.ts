// The invalid-input table of registry.Token: every row fails `check` with the exact reason naming the
// property, and nothing reaches the emulator.
import { describe, expect, it } from "vitest";
import { registryProvider } from "../../src/registry/provider.ts";
import { useProviderEmulator } from "../harness/emulator.ts";
import { checked, configure, REGISTRY_ENV, T0 } from "./helpers.ts";

const { emu } = useProviderEmulator({ tls: true, now: T0, env: REGISTRY_ENV });

const valid = {
  registryUrl: "https://registry.example.com",
  scopes: ["repository:team/app:pull"],
  username: "ci",
  password: "s3cret-password",
};
const scopeReason = (entry: string) =>
  `"scopes" has an invalid entry ${JSON.stringify(entry)}: expected type[(class)]:name:action[,action], such as repository:team/app:pull,push`;
const httpsReason = (property: string) =>
  `"${property}" must be an https URL such as https://registry.example.com`;

interface Row {
  name: string;
  news: Record<string, unknown>;
  env?: Record<string, string>;
  config?: Record<string, string>;
  reason: string;
}

const rows: Row[] = [
  {
    name: "no scopes",
    news: { ...valid, scopes: [] },
    reason: '"scopes" must list at least one scope, such as "repository:team/app:pull"',
  },
  {
    name: "scopes missing",
    news: { ...valid, scopes: undefined },
    reason: '"scopes" must be a list of scopes such as ["repository:team/app:pull"]',
  },
  {
    name: "scopes as one string",
    news: { ...valid, scopes: "repository:team/app:pull" },
    reason: '"scopes" must be a list of scopes such as ["repository:team/app:pull"]',
  },
  {
    name: "a scope without actions",
    news: { ...valid, scopes: ["repository:team/app"] },
    reason: scopeReason("repository:team/app"),
  },
  {
    name: "an upper-case repository name",
    news: { ...valid, scopes: ["repository:Team/App:pull"] },
    reason: scopeReason("repository:Team/App:pull"),
  },
  {
    name: "an empty action",
    news: { ...valid, scopes: ["repository:team/app:pull,"] },
    reason: scopeReason("repository:team/app:pull,"),
  },
  {
    name: "a double slash in the name",
    news: { ...valid, scopes: ["repository:team//app:pull"] },
    reason: scopeReason("repository:team//app:pull"),
  },
  {
    name: "an unknown action",
    news: { ...valid, scopes: ["repository:team/app:pull", "repository:team/app:pul"] },
    reason:
      '"scopes" entry "repository:team/app:pul" asks for the unknown action "pul": the actions are pull, push, delete and *',
  },
  {
    name: "an empty service",
    news: { ...valid, service: "" },
    reason: '"service" must not be empty (the registry\'s challenge names it, e.g. registry.docker.io)',
  },
  {
    name: "a service with a newline",
    news: { ...valid, service: "svc\n" },
    reason: '"service" must not contain control characters or start or end with whitespace',
  },
  {
    name: "an http realm without the opt-in",
    news: { ...valid, realm: "http://auth.example.com/token", service: "registry.example.com" },
    reason: '"realm" must be an https URL; plain http only with "allowInsecureHttp": true',
  },
  {
    name: "an http registry URL without the opt-in",
    news: { ...valid, registryUrl: "http://registry.example.com" },
    reason: '"registryUrl" must be an https URL; plain http only with "allowInsecureHttp": true',
  },
  {
    name: "a registry URL without scheme",
    news: { ...valid, registryUrl: "registry.example.com" },
    reason: httpsReason("registryUrl"),
  },
  {
    name: "an ftp realm",
    news: { ...valid, realm: "ftp://auth.example.com/token" },
    reason: httpsReason("realm"),
  },
  {
    name: "a registry URL with a path",
    news: { ...valid, registryUrl: "https://registry.example.com/v2/" },
    reason: '"registryUrl" must have no path: the registry API is at /v2/ of its host',
  },
  {
    name: "a registry URL with credentials",
    news: { ...valid, registryUrl: "https://ci:pw@registry.example.com" },
    reason: '"registryUrl" must not contain a user name or password',
  },
  {
    name: "neither registryUrl nor realm",
    news: { ...valid, registryUrl: undefined },
    reason: 'give "registryUrl" (its 401 challenge names the token server), or "realm" and "service"',
  },
  {
    name: "a realm without service nor registryUrl",
    news: { ...valid, registryUrl: undefined, realm: "https://auth.example.com/token" },
    reason:
      '"service" is required with "realm" when "registryUrl" is not given (the registry compares it with the token\'s audience)',
  },
  {
    name: "a trusted realm host given as a URL",
    news: { ...valid, trustedRealmHosts: ["https://auth.example.com"] },
    reason:
      '"trustedRealmHosts" has an invalid entry "https://auth.example.com": expected a host name such as auth.docker.io (no scheme, port or path)',
  },
  {
    name: "a password without a username",
    news: { ...valid, username: undefined },
    reason:
      '"username" is required with "password" (from the "password" input): set the "username" input, the stack config "registry:username" or the environment variable REGISTRY_USERNAME',
  },
  {
    name: "a username from the environment without a password",
    news: { ...valid, username: undefined, password: undefined },
    env: { REGISTRY_USERNAME: "ci" },
    reason:
      '"password" is required with "username" (from the environment variable REGISTRY_USERNAME): set the "password" input, the stack config "registry:password" or the environment variable REGISTRY_PASSWORD',
  },
  {
    name: "a refresh token with grantType basic",
    news: { ...valid, grantType: "basic", refreshToken: "r3fresh-token-value" },
    reason:
      '"refreshToken" cannot be used with "grantType" "basic", which sends "username" and "password": use "refresh_token" or "auto"',
  },
  {
    name: "grantType refresh_token without a refresh token",
    news: { ...valid, username: undefined, password: undefined, grantType: "refresh_token" },
    reason:
      '"refreshToken" is required with "grantType" "refresh_token": set the "refreshToken" input, the stack config "registry:refreshToken" or the environment variable REGISTRY_REFRESH_TOKEN',
  },
  {
    name: "grantType password without credentials",
    news: { ...valid, username: undefined, password: undefined, grantType: "password" },
    reason:
      '"grantType" "password" needs "username" and "password": set the "username" input, the stack config "registry:username" or the environment variable REGISTRY_USERNAME, and the same for "password"',
  },
  {
    name: "grantType anonymous with credentials",
    news: { ...valid, grantType: "anonymous" },
    reason: '"grantType" "anonymous" sends no credentials: remove "username" and "password"',
  },
  {
    name: "an unknown grantType",
    news: { ...valid, grantType: "client_credentials" },
    reason: '"grantType" must be one of "auto", "basic", "password", "refresh_token", "anonymous"',
  },
  {
    name: "a negative rotateBeforeSeconds",
    news: { ...valid, rotateBeforeSeconds: -1 },
    reason: '"rotateBeforeSeconds" must be an integer between 0 and 86400',
  },
  {
    name: "a fractional rotateBeforeSeconds",
    news: { ...valid, rotateBeforeSeconds: 1.5 },
    reason: '"rotateBeforeSeconds" must be an integer between 0 and 86400',
  },
  {
    name: "a clientId with a space",
    news: { ...valid, clientId: "my client" },
    reason: '"clientId" must be a non-empty string without spaces or control characters',
  },
  {
    name: "a registry with a scheme",
    news: { ...valid, registry: "https://registry.example.com" },
    reason:
      '"registry" must be a registry host with an optional port, such as registry.example.com:5000 (no scheme or path)',
  },
  {
    name: "a CA that is not PEM",
    news: { ...valid, caCertificate: "/etc/ssl/ca.pem" },
    reason:
      '"caCertificate" must be PEM text with a -----BEGIN CERTIFICATE----- block (the certificate, not a file path)',
  },
  {
    name: "a CA from the environment that is not PEM",
    news: valid,
    env: { REGISTRY_CA_CERT: "not a certificate" },
    reason:
      '"caCertificate" must be PEM text with a -----BEGIN CERTIFICATE----- block (the certificate, not a file path) (from the environment variable REGISTRY_CA_CERT)',
  },
  {
    name: "an unknown input",
    news: { ...valid, scope: "repository:team/app:pull" },
    reason: '"scope" is not an input of this resource',
  },
  {
    name: "a non-boolean allowInsecureHttp",
    news: { ...valid, allowInsecureHttp: "yes" },
    reason: '"allowInsecureHttp" must be a boolean',
  },
];

describe("check refuses bad input, naming the property, with no request", () => {
  it.each(rows)("$name", async (row) => {
    for (const [name, value] of Object.entries(row.env ?? {})) process.env[name] = value;
    await configure(row.config ?? {});
    const news = Object.fromEntries(Object.entries(row.news).filter(([, value]) => value !== undefined));
    const result = await registryProvider.check?.({}, news);
    expect(result?.failures).toEqual([{ property: "", reason: row.reason }]);
    expect(emu.requests).toEqual([]);
  });

  it("has at least 15 rows", () => {
    expect(rows.length).toBeGreaterThanOrEqual(15);
  });
});

describe("check accepts", () => {
  it("fills the defaults and the registry from the registry URL, and stores no default", async () => {
    const inputs = await checked({ ...valid, registryUrl: "https://registry.example.com:5000" });
    expect(inputs).toEqual({
      ...valid,
      registryUrl: "https://registry.example.com:5000",
      registry: "registry.example.com:5000",
    });
    expect(emu.requests).toEqual([]);
  });

  it("realm and service without a registry URL: the registry is the realm's host", async () => {
    const inputs = await checked({
      realm: "https://auth.example.com/token",
      service: "registry.example.com",
      scopes: ["registry:catalog:*", "repository(plugin):team/app:pull"],
    });
    expect(inputs.registry).toBe("auth.example.com");
  });

  it("http with the opt-in, a host:port name prefix, and a refresh token with auto", async () => {
    const inputs = await checked({
      registryUrl: "http://localhost:5000",
      allowInsecureHttp: true,
      scopes: ["repository:localhost:5000/team/app:*"],
      refreshToken: "r3fresh-token-value",
    });
    expect(inputs.registry).toBe("localhost:5000");
  });
});
