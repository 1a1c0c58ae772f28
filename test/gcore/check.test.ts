// The invalid-input table: every bad input fails in `check`, naming the property, before any API call.
import { describe, expect, it } from "vitest";
import { UNKNOWN_VALUE } from "../../src/core/check.ts";
import { gcoreProvider } from "../../src/gcore/provider.ts";
import { configureProvider, isolateSettings, useEmulator } from "../harness/emulator.ts";

type Bag = Record<string, unknown>;

const WINDOW = '"rotateBeforeMinutes" must be an integer between 1 and 59 (access tokens live 60 minutes)';
const USER_ID = '"userId" must be a positive integer (the numeric Gcore user id)';

const emu = useEmulator({ now: "2030-01-01T00:00:00Z" });
isolateSettings(["GCORE_API_KEY", "GCORE_API_URL", "GCORE_CA_CERTIFICATE"]);

const valid = (): Bag => ({ userId: 1234, apiUrl: emu.url, apiKey: emu.seeds.gcore.resellerApiKey });

describe("check", () => {
  it.each<[string, Bag, string, string]>([
    ["userId missing", { userId: undefined }, "userId", USER_ID],
    ["userId zero", { userId: 0 }, "userId", USER_ID],
    ["userId negative", { userId: -5 }, "userId", USER_ID],
    ["userId fractional", { userId: 12.5 }, "userId", USER_ID],
    ["userId as a string", { userId: "1234" }, "userId", USER_ID],
    ["rotateBeforeMinutes zero", { rotateBeforeMinutes: 0 }, "rotateBeforeMinutes", WINDOW],
    [
      "rotateBeforeMinutes = the 60-minute lifetime",
      { rotateBeforeMinutes: 60 },
      "rotateBeforeMinutes",
      WINDOW,
    ],
    ["rotateBeforeMinutes fractional", { rotateBeforeMinutes: 2.5 }, "rotateBeforeMinutes", WINDOW],
    ["rotateBeforeMinutes as a string", { rotateBeforeMinutes: "10" }, "rotateBeforeMinutes", WINDOW],
    [
      "rotationTrigger not a string",
      { rotationTrigger: 42 },
      "rotationTrigger",
      '"rotationTrigger" must be a string',
    ],
    [
      "apiUrl not a URL",
      { apiUrl: "api.gcore.com" },
      "apiUrl",
      '"apiUrl" must be an http(s) URL such as https://api.gcore.com',
    ],
    [
      "apiUrl not http(s)",
      { apiUrl: "ftp://api.gcore.com" },
      "apiUrl",
      '"apiUrl" must be an http(s) URL such as https://api.gcore.com',
    ],
    [
      "apiUrl with credentials",
      { apiUrl: "https://u:p@api.gcore.com" },
      "apiUrl",
      '"apiUrl" must not contain credentials',
    ],
    [
      "apiUrl with a query",
      { apiUrl: "https://api.gcore.com/?x=1" },
      "apiUrl",
      '"apiUrl" must not contain a query or a fragment',
    ],
    // Secret input: the failure names no property, or the engine would print the value.
    ["apiKey empty", { apiKey: "" }, "", '"apiKey" must not be empty'],
    [
      "apiKey with the scheme prefix",
      { apiKey: "APIKey 77_abc" },
      "",
      '"apiKey" must be the key itself, without the "APIKey " prefix',
    ],
    ["apiKey with whitespace", { apiKey: "77_abc def" }, "", '"apiKey" must not contain whitespace'],
    ["apiKey not a string", { apiKey: 77 }, "", '"apiKey" must be a string'],
  ])("%s", async (_label, change, property, reason) => {
    const result = await gcoreProvider.check?.({}, { ...valid(), ...change });
    // The engine gets no property (it would print the value, secrets included); the reason names it.
    expect(result?.failures).toEqual([{ property: "", reason }]);
    if (property !== "") expect(reason).toContain(`"${property.split(".")[0]}"`);
    expect(emu.requests).toEqual([]);
  });

  it("fails when no API key is found anywhere, naming every source", async () => {
    const result = await gcoreProvider.check?.({}, { userId: 1234, apiUrl: emu.url });
    expect(result?.failures).toEqual([
      {
        property: "",
        reason:
          '"apiKey" is required (a reseller\'s permanent API token): set the "apiKey" input, the stack config "gcore:apiKey" or the environment variable GCORE_API_KEY',
      },
    ]);
    expect(emu.requests).toEqual([]);
  });

  it("judges the API URL and key found in stack config or the environment, never echoing them", async () => {
    await configureProvider(gcoreProvider, {
      "gcore:apiUrl": "gcore.example",
      "gcore:apiKey": "APIKey 77_secret",
    });
    const result = await gcoreProvider.check?.({}, { userId: 1234 });
    expect(result?.failures).toEqual([
      {
        property: "",
        reason:
          '"apiUrl" must be an http(s) URL such as https://api.gcore.com (from the stack config "gcore:apiUrl")',
      },
      {
        property: "",
        reason:
          '"apiKey" must be the key itself, without the "APIKey " prefix (from the stack config "gcore:apiKey")',
      },
    ]);
    expect(JSON.stringify(result?.failures)).not.toContain("77_secret");
    expect(emu.requests).toEqual([]);
  });

  it("accepts valid inputs, stores no default window, and takes the key from GCORE_API_KEY", async () => {
    process.env.GCORE_API_KEY = emu.seeds.gcore.resellerApiKey;
    const result = await gcoreProvider.check?.({}, { userId: 1234, apiUrl: emu.url, __provider: "p" });
    expect(result).toEqual({ inputs: { userId: 1234, apiUrl: emu.url } });
    expect(emu.requests).toEqual([]);
  });

  it("stores the API URL it resolved from the environment, like NetBird stores its endpoint", async () => {
    process.env.GCORE_API_KEY = emu.seeds.gcore.resellerApiKey;
    process.env.GCORE_API_URL = `${emu.url}/`;
    const result = await gcoreProvider.check?.({}, { userId: 1234 });
    expect(result).toEqual({ inputs: { userId: 1234, apiUrl: emu.url } });
  });

  it("checks a caCertificate from GCORE_CA_CERTIFICATE, naming that source", async () => {
    process.env.GCORE_API_KEY = emu.seeds.gcore.resellerApiKey;
    process.env.GCORE_CA_CERTIFICATE = "/etc/ssl/ca.pem";
    const result = await gcoreProvider.check?.({}, { userId: 1234, apiUrl: emu.url });
    expect(result?.failures).toEqual([
      {
        property: "",
        reason:
          '"caCertificate" must be PEM text with a -----BEGIN CERTIFICATE----- block (the certificate, not a file path) (from the environment variable GCORE_CA_CERTIFICATE)',
      },
    ]);
  });

  it("does not judge inputs that are still unknown (preview)", async () => {
    const news = { userId: UNKNOWN_VALUE, apiKey: UNKNOWN_VALUE };
    await expect(gcoreProvider.check?.({}, news)).resolves.toEqual({ inputs: news });
    expect(emu.requests).toEqual([]);
  });
});
