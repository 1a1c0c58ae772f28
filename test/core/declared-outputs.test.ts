// Every key a provider really returns (create, rotation, failed revocation) is an output the
// resource class exposes: compared against the providers' results, not against a copied list.
import * as pulumi from "@pulumi/pulumi";
import { describe, expect, it } from "vitest";
import { UserToken } from "../../src/gcore/index.ts";
import { gcoreProvider } from "../../src/gcore/provider.ts";
import { RegistryToken } from "../../src/icp/index.ts";
import { icpProvider } from "../../src/icp/provider.ts";
import { PersonalAccessToken } from "../../src/netbird/index.ts";
import { netbirdProvider } from "../../src/netbird/provider.ts";
import { useProviderEmulator } from "../harness/emulator.ts";
import { installResourceMocks } from "../harness/mocks.ts";

type Bag = Record<string, unknown>;
type Provider = typeof netbirdProvider;

const T0 = new Date("2030-01-01T00:00:00Z");
const { emu, setAt } = useProviderEmulator({ now: T0, tls: true, env: [] });
installResourceMocks((args) => ({ id: `${args.name}-id`, state: args.inputs }));

async function checked(provider: Provider, news: Bag, olds: Bag = {}): Promise<Bag> {
  const result = await provider.check?.(olds, news);
  if (!result || result.failures) throw new Error(`check failed: ${JSON.stringify(result?.failures)}`);
  return result.inputs as Bag;
}

/** The output keys a resource instance exposes as Outputs. */
function exposed(resource: object): string[] {
  return Object.entries(resource)
    .filter(([, value]) => pulumi.Output.isInstance(value))
    .map(([key]) => key);
}

const undeclared = (returned: Iterable<string>, resource: object) => {
  const outputs = new Set(exposed(resource));
  return [...new Set(returned)].filter((key) => key !== "__provider" && !outputs.has(key));
};

describe("declared outputs match what the providers return", () => {
  it("netbird.PersonalAccessToken: create, rotation with overlap, a failed revocation", async () => {
    const news = await checked(netbirdProvider, {
      userId: "svc-ci",
      name: "outputs",
      expiresInDays: 30,
      rotationTrigger: "1",
      managementUrl: emu.url,
      apiToken: emu.seeds.netbird.adminToken,
      caCertificate: emu.caCertificate,
    });
    const created = await netbirdProvider.create(news);
    setAt(new Date(T0.getTime() + 25 * 86_400_000));
    const rotated = (await netbirdProvider.update?.(String(created.id), created.outs as Bag, news))
      ?.outs as Bag;
    setAt(new Date(T0.getTime() + 50 * 86_400_000));
    emu.faults.inject("netbird.deleteToken", { kind: "status", status: 403 });
    const pending = (await netbirdProvider.update?.(String(created.id), rotated, news))?.outs as Bag;
    expect(pending.pendingRevocations).toHaveLength(1);
    const returned = [created.outs, rotated, pending].flatMap((outs) => Object.keys(outs as Bag));
    expect(returned).toContain("previousToken");

    const resource = new PersonalAccessToken("outputs", {
      userId: "svc-ci",
      name: "outputs",
      expiresInDays: 30,
    });
    expect(undeclared(returned, resource)).toEqual([]);
  });

  it("gcore.UserToken: create and refresh", async () => {
    const news = await checked(gcoreProvider as Provider, {
      userId: emu.seeds.gcore.userId,
      rotationTrigger: "1",
      apiUrl: emu.url,
      apiKey: emu.seeds.gcore.resellerApiKey,
      caCertificate: emu.caCertificate,
    });
    const created = await gcoreProvider.create(news);
    setAt(new Date(T0.getTime() + 55 * 60_000));
    const refreshed = await gcoreProvider.update?.(String(created.id), created.outs as Bag, news);
    const returned = [created.outs, refreshed?.outs].flatMap((outs) => Object.keys(outs as Bag));

    const resource = new UserToken("outputs", { userId: 1 });
    expect(undeclared(returned, resource)).toEqual([]);
  });

  it("icp.RegistryToken: create with every input", async () => {
    const news = await checked(icpProvider as Provider, {
      clusterUrl: emu.url,
      username: emu.seeds.icp.username,
      password: emu.seeds.icp.password,
      caCertificate: emu.caCertificate,
      insecureSkipTlsVerify: false,
      scope: `repository:${emu.seeds.icp.repositories[0]}:pull`,
      rotationTrigger: "1",
    });
    const created = await icpProvider.create(news);
    const returned = Object.keys(created.outs as Bag);
    expect(returned).toContain("password");

    const resource = new RegistryToken("outputs", {});
    expect(undeclared(returned, resource)).toEqual([]);
  });
});
