// The invalid-input table of icp.RegistryToken: every row fails `check` with the exact property
// and reason, and nothing reaches the emulator.
import { beforeEach, describe, expect, it } from "vitest";
import { UNKNOWN_VALUE } from "../../src/core/check.ts";
import { icpProvider } from "../../src/icp/provider.ts";
import { isolateSettings, setNow, useEmulator } from "../harness/emulator.ts";
import { configure, ICP_ENV, T0 } from "./helpers.ts";

const emu = useEmulator({ tls: true });
isolateSettings(ICP_ENV);
beforeEach(() => setNow(emu, T0));

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");
/** An unsigned JWT-shaped string: check only decodes ID tokens, it cannot verify them. */
const fakeJwt = (claims: Record<string, unknown>) =>
  `${b64({ alg: "RS256", typ: "JWT" })}.${b64(claims)}.c2ln`;

const valid = {
  clusterUrl: "https://mycluster.icp:8443",
  username: "admin",
  password: "s3cret-password",
};
const noCredentials = { clusterUrl: valid.clusterUrl };
const rotateReason =
  '"rotateBeforeMinutes" must be an integer between 1 and 29 (registry tokens live 30 minutes)';
const scopeReason = (entry: string) =>
  `"scope" has an invalid entry ${JSON.stringify(entry)}: expected type[(class)]:name:action[,action], ` +
  "e.g. repository:ns/app:pull, several separated by single spaces";
const pemReason =
  '"caCertificate" must be PEM text with a -----BEGIN CERTIFICATE----- block (the certificate, not a file path)';

interface Row {
  name: string;
  news: Record<string, unknown>;
  env?: Record<string, string>;
  config?: Record<string, string>;
  property: string;
  reason: string;
}

// Failures about a secret input (password, idToken) or a value from config/env name no property:
// the engine prints the value of a named property. The reason names it instead.
const rows: Row[] = [
  {
    name: "an http cluster URL",
    news: { ...valid, clusterUrl: "http://mycluster.icp:8443" },
    property: "clusterUrl",
    reason: '"clusterUrl" must be an https URL such as https://mycluster.icp:8443',
  },
  {
    name: "a cluster URL without scheme",
    news: { ...valid, clusterUrl: "mycluster.icp:8443" },
    property: "clusterUrl",
    reason: '"clusterUrl" must be an https URL such as https://mycluster.icp:8443',
  },
  {
    name: "a cluster URL with credentials",
    news: { ...valid, clusterUrl: "https://admin:pw@mycluster.icp:8443" },
    property: "clusterUrl",
    reason: '"clusterUrl" must not contain a user name or password',
  },
  {
    name: "a cluster URL with a query",
    news: { ...valid, clusterUrl: "https://mycluster.icp:8443/?debug=1" },
    property: "clusterUrl",
    reason: '"clusterUrl" must not contain a query or fragment',
  },
  {
    name: "a cluster URL that is not a string",
    news: { ...valid, clusterUrl: 8443 },
    property: "clusterUrl",
    reason: '"clusterUrl" must be a string',
  },
  {
    name: "no cluster URL anywhere",
    news: { username: "admin", password: "s3cret-password" },
    property: "",
    reason:
      '"clusterUrl" is required: set the "clusterUrl" input, the stack config "icp:clusterUrl" or the environment variable ICP_CLUSTER_URL',
  },
  {
    name: "an http cluster URL from the environment",
    news: { username: "admin", password: "s3cret-password" },
    env: { ICP_CLUSTER_URL: "http://mycluster.icp:8443" },
    property: "",
    reason:
      '"clusterUrl" must be an https URL such as https://mycluster.icp:8443 (from the environment variable ICP_CLUSTER_URL)',
  },
  {
    name: "both credential forms as inputs",
    news: { ...valid, idToken: fakeJwt({ sub: "admin" }) },
    property: "",
    reason:
      'give exactly one credential form: "idToken" (from the "idToken" input) cannot be combined with ' +
      '"username" (from the "username" input) and "password" (from the "password" input)',
  },
  {
    name: "an idToken input with a password in the environment",
    news: { ...noCredentials, idToken: fakeJwt({ sub: "admin" }) },
    env: { ICP_PASSWORD: "from-env-password" },
    property: "",
    reason:
      'give exactly one credential form: "idToken" (from the "idToken" input) cannot be combined with ' +
      '"password" (from the environment variable ICP_PASSWORD)',
  },
  {
    name: "a username without a password",
    news: { ...noCredentials, username: "admin" },
    property: "",
    reason:
      '"password" is required with "username" (from the "username" input): set the "password" input, ' +
      'the stack config "icp:password" or the environment variable ICP_PASSWORD',
  },
  {
    name: "a password in stack config without a username",
    news: noCredentials,
    config: { "icp:password": "from-config-password" },
    property: "",
    reason:
      '"username" is required with "password" (from the stack config "icp:password"): set the "username" input, ' +
      'the stack config "icp:username" or the environment variable ICP_USERNAME',
  },
  {
    name: "no credentials anywhere",
    news: noCredentials,
    property: "",
    reason:
      'no credentials: set "username" and "password" (inputs, stack config icp:username and icp:password, ' +
      'or ICP_USERNAME and ICP_PASSWORD) or "idToken" (input, stack config icp:idToken or ICP_ID_TOKEN)',
  },
  {
    name: "an empty username",
    news: { ...valid, username: "" },
    property: "username",
    reason: '"username" must not be empty',
  },
  {
    name: "an idToken that is not a JWT",
    news: { ...noCredentials, idToken: "opaque-access-token" },
    property: "",
    reason: '"idToken" must be a JWT (three base64url parts separated by dots)',
  },
  {
    name: "an idToken without sub",
    news: { ...noCredentials, idToken: fakeJwt({ iss: "https://mycluster.icp:9443/oidc/endpoint/OP" }) },
    property: "",
    reason: '"idToken" must carry a "sub" claim (the ICP user name)',
  },
  {
    name: "an idToken from the environment that is not a JWT",
    news: noCredentials,
    env: { ICP_ID_TOKEN: "opaque-access-token" },
    property: "",
    reason:
      '"idToken" must be a JWT (three base64url parts separated by dots) (from the environment variable ICP_ID_TOKEN)',
  },
  {
    name: "rotateBeforeMinutes = 30",
    news: { ...valid, rotateBeforeMinutes: 30 },
    property: "rotateBeforeMinutes",
    reason: rotateReason,
  },
  {
    name: "rotateBeforeMinutes = 0",
    news: { ...valid, rotateBeforeMinutes: 0 },
    property: "rotateBeforeMinutes",
    reason: rotateReason,
  },
  {
    name: "rotateBeforeMinutes = 2.5",
    news: { ...valid, rotateBeforeMinutes: 2.5 },
    property: "rotateBeforeMinutes",
    reason: rotateReason,
  },
  {
    name: 'rotateBeforeMinutes = "5"',
    news: { ...valid, rotateBeforeMinutes: "5" },
    property: "rotateBeforeMinutes",
    reason: rotateReason,
  },
  {
    name: "a scope without actions",
    news: { ...valid, scope: "repository:ns/app" },
    property: "scope",
    reason: scopeReason("repository:ns/app"),
  },
  {
    name: "a scope with upper-case name components",
    news: { ...valid, scope: "repository:NS/App:pull" },
    property: "scope",
    reason: scopeReason("repository:NS/App:pull"),
  },
  {
    name: "a scope with an empty name",
    news: { ...valid, scope: "repository::pull" },
    property: "scope",
    reason: scopeReason("repository::pull"),
  },
  {
    name: "the second of two scopes is malformed",
    news: { ...valid, scope: "repository:ns/app:pull registry:catalog:*:x" },
    property: "scope",
    reason: scopeReason("registry:catalog:*:x"),
  },
  {
    name: "an empty service",
    news: { ...valid, service: "" },
    property: "service",
    reason: `"service" must not be empty (ICP's token service is token-service)`,
  },
  {
    name: "a service with surrounding whitespace",
    news: { ...valid, service: " token-service" },
    property: "service",
    reason: '"service" must not contain control characters or start or end with whitespace',
  },
  {
    name: "a service with a newline",
    news: { ...valid, service: "token\nservice" },
    property: "service",
    reason: '"service" must not contain control characters or start or end with whitespace',
  },
  {
    name: "a service of 256 characters",
    news: { ...valid, service: "s".repeat(256) },
    property: "service",
    reason: '"service" must be at most 255 characters',
  },
  {
    name: "a service that is not a string",
    news: { ...valid, service: 8500 },
    property: "service",
    reason: '"service" must be a string',
  },
  {
    name: "a registry with a scheme",
    news: { ...valid, registry: "https://mycluster.icp:8500" },
    property: "registry",
    reason:
      '"registry" must be a registry host with an optional port, such as mycluster.icp:8500 (no scheme or path)',
  },
  {
    name: "a CA certificate given as a file path",
    news: { ...valid, caCertificate: "/etc/icp/ca.pem" },
    property: "caCertificate",
    reason: pemReason,
  },
  {
    name: "a CA certificate block that is not X.509",
    news: { ...valid, caCertificate: "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n" },
    property: "caCertificate",
    reason: '"caCertificate" holds a PEM block that is not a valid X.509 certificate',
  },
  {
    name: "a CA certificate path in ICP_CA_CERT",
    news: valid,
    env: { ICP_CA_CERT: "/etc/icp/ca.pem" },
    property: "",
    reason: `${pemReason} (from the environment variable ICP_CA_CERT)`,
  },
  {
    name: 'insecureSkipTlsVerify = "yes"',
    news: { ...valid, insecureSkipTlsVerify: "yes" },
    property: "insecureSkipTlsVerify",
    reason: '"insecureSkipTlsVerify" must be a boolean',
  },
  {
    name: "a rotationTrigger that is not a string",
    news: { ...valid, rotationTrigger: 2 },
    property: "rotationTrigger",
    reason: '"rotationTrigger" must be a string',
  },
];

describe("check refuses bad input before any call", () => {
  it.each(rows)("$name", async ({ news, env, config, property, reason }) => {
    for (const [name, value] of Object.entries(env ?? {})) process.env[name] = value;
    if (config) await configure(config);

    const result = await icpProvider.check?.({}, news);

    // The engine gets no property (it would print the value, secrets included); the reason names it.
    expect(result?.failures).toEqual([{ property: "", reason }]);
    if (property !== "") expect(reason).toContain(`"${property.split(".")[0]}"`);
    expect(emu.requests).toEqual([]);
  });

  it("no reason echoes a secret", () => {
    const secrets = ["s3cret-password", "from-env-password", "from-config-password", "opaque-access-token"];
    const reasons = rows.map((row) => row.reason).join("\n");
    for (const secret of secrets) expect(reasons).not.toContain(secret);
  });
});

describe("check accepts the scope grammar, host:port names included", () => {
  it.each([
    "repository:ns/app:pull",
    "repository:mycluster.icp:8500/ns/app:pull",
    "registry:catalog:*",
    "repository(plugin):ns/app:pull,push",
    "repository:ns/my-app__x.y:push repository:ns/b:pull",
  ])("%s", async (scope) => {
    const result = await icpProvider.check?.({}, { ...valid, scope });

    expect(result?.failures).toBeUndefined();
    expect(result?.inputs).toMatchObject({ scope, registry: "mycluster.icp:8500" });
    // The default window is not stored.
    expect(result?.inputs).not.toHaveProperty("rotateBeforeMinutes");
    expect(emu.requests).toEqual([]);
  });

  it("leaves inputs the engine does not know yet (preview) unjudged", async () => {
    const news = { ...valid, scope: UNKNOWN_VALUE };

    await expect(icpProvider.check?.({}, news)).resolves.toEqual({ inputs: news });
  });
});
