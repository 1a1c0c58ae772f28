// The invalid-input table: every bad input fails in `check`, naming the property, before any API call.
import { describe, expect, it } from "vitest";
import { UNKNOWN_VALUE } from "../../src/core/check.ts";
import { netbirdProvider } from "../../src/netbird/provider.ts";
import { configureProvider, isolateSettings, useEmulator } from "../harness/emulator.ts";

type Bag = Record<string, unknown>;

const LIFETIME = '"expiresInDays" must be an integer between 1 and 365';
const WINDOW = '"rotateBeforeDays" must be a number of days, 0 or more';
const URL_SHAPE = '"managementUrl" must be an http(s) URL such as https://api.netbird.io';
const SOURCES =
  'the "apiToken" input, the stack config "netbird:apiToken" or the environment variable NB_PAT';
// A well-formed token whose checksum is wrong (last character changed).
const BAD_CHECKSUM = "nbp_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAA000000";

const emu = useEmulator({ now: "2030-01-01T00:00:00Z" });
isolateSettings(["NB_PAT", "NB_MANAGEMENT_URL"]);

const valid = (): Bag => ({
  userId: "svc-ci",
  name: "ci-pipeline",
  expiresInDays: 90,
  managementUrl: emu.url,
  apiToken: emu.seeds.netbird.adminToken,
});

describe("check", () => {
  it.each<[string, Bag, string, string]>([
    ["userId missing", { userId: undefined }, "userId", '"userId" is required'],
    ["userId empty", { userId: "" }, "userId", '"userId" must not be empty'],
    [
      "userId with a slash",
      { userId: "svc/ci" },
      "userId",
      '"userId" must be a NetBird user id without "/" or whitespace',
    ],
    ["userId not a string", { userId: 42 }, "userId", '"userId" must be a string'],
    ["userId a dot segment", { userId: ".." }, "userId", '"userId" must not be "." or ".."'],
    ["name missing", { name: undefined }, "name", '"name" is required'],
    ["name empty", { name: "" }, "name", '"name" must not be empty'],
    ["name only spaces", { name: "   " }, "name", '"name" must not be empty'],
    ["expiresInDays missing", { expiresInDays: undefined }, "expiresInDays", '"expiresInDays" is required'],
    ["expiresInDays zero", { expiresInDays: 0 }, "expiresInDays", LIFETIME],
    ["expiresInDays above 365", { expiresInDays: 366 }, "expiresInDays", LIFETIME],
    ["expiresInDays fractional", { expiresInDays: 1.5 }, "expiresInDays", LIFETIME],
    ["expiresInDays as a string", { expiresInDays: "90" }, "expiresInDays", LIFETIME],
    ["rotateBeforeDays negative", { rotateBeforeDays: -1 }, "rotateBeforeDays", WINDOW],
    ["rotateBeforeDays as a string", { rotateBeforeDays: "7" }, "rotateBeforeDays", WINDOW],
    [
      "rotateBeforeDays equal to expiresInDays",
      { rotateBeforeDays: 90 },
      "rotateBeforeDays",
      '"rotateBeforeDays" must be less than "expiresInDays" (90)',
    ],
    [
      "revokePrevious not a boolean",
      { revokePrevious: "yes" },
      "revokePrevious",
      '"revokePrevious" must be a boolean',
    ],
    [
      "rotationTrigger not a string",
      { rotationTrigger: 7 },
      "rotationTrigger",
      '"rotationTrigger" must be a string',
    ],
    ["managementUrl not a URL", { managementUrl: "api.netbird.io" }, "managementUrl", URL_SHAPE],
    ["managementUrl not http(s)", { managementUrl: "ftp://api.netbird.io" }, "managementUrl", URL_SHAPE],
    [
      "managementUrl with credentials",
      { managementUrl: "https://u:p@api.netbird.io" },
      "managementUrl",
      '"managementUrl" must not contain credentials',
    ],
    [
      "managementUrl with a query",
      { managementUrl: "https://api.netbird.io/?x=1" },
      "managementUrl",
      '"managementUrl" must not contain a query or a fragment',
    ],
    [
      "managementUrl ending in /api",
      { managementUrl: "https://netbird.example.com/api" },
      "managementUrl",
      '"managementUrl" must be the server\'s base URL, without the "/api" path',
    ],
    // Secret inputs: the failure names no property, or the engine would print the value.
    ["apiToken empty", { apiToken: "" }, "", '"apiToken" must not be empty'],
    [
      "apiToken with the scheme prefix",
      { apiToken: "Token nbp_abc" },
      "",
      '"apiToken" must be the token itself, without a "Token " or "Bearer " prefix',
    ],
    [
      "caCertificate not PEM",
      { caCertificate: "not a certificate" },
      "caCertificate",
      '"caCertificate" must be PEM text with a -----BEGIN CERTIFICATE----- block (the certificate, not a file path)',
    ],
    [
      "caCertificate unparsable",
      { caCertificate: "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n" },
      "caCertificate",
      '"caCertificate" holds a PEM block that is not a valid X.509 certificate',
    ],
    [
      "adoptTokenId without adoptToken",
      { adoptTokenId: "abc" },
      "",
      '"adoptToken" is required when "adoptTokenId" is set',
    ],
    [
      "adoptToken with a bad checksum",
      { adoptTokenId: "abc", adoptToken: BAD_CHECKSUM },
      "",
      '"adoptToken" must be a NetBird personal access token ("nbp_…", 40 characters, valid checksum)',
    ],
  ])("rejects %s", async (_title, change, property, reason) => {
    const result = await netbirdProvider.check?.({}, { ...valid(), ...change });
    // The engine gets no property (it would print the value, secrets included); the reason names it.
    expect(result?.failures).toEqual([{ property: "", reason }]);
    if (property !== "") expect(reason).toContain(`"${property.split(".")[0]}"`);
    expect(emu.requestsFor("netbird")).toEqual([]);
  });

  it("rejects adoptToken without adoptTokenId, without echoing the token", async () => {
    const token = emu.seeds.netbird.plainUserToken;
    const result = await netbirdProvider.check?.({}, { ...valid(), adoptToken: token });
    expect(result?.failures).toEqual([
      { property: "", reason: '"adoptTokenId" is required when "adoptToken" is set' },
    ]);
    expect(JSON.stringify(result?.failures)).not.toContain(token);
  });

  it("fails without a credential, naming apiToken and its three sources, and calls nothing", async () => {
    const result = await netbirdProvider.check?.({}, { ...valid(), apiToken: undefined });
    expect(result?.failures).toEqual([
      { property: "", reason: `"apiToken" is required (an admin's NetBird API token): set ${SOURCES}` },
    ]);
    expect(emu.requestsFor("netbird")).toEqual([]);
  });

  it("checks a management URL that comes from stack config", async () => {
    await configureProvider(netbirdProvider, { "netbird:managementUrl": "netbird.example.com" });
    const result = await netbirdProvider.check?.({}, { ...valid(), managementUrl: undefined });
    expect(result?.failures).toEqual([
      {
        property: "",
        reason:
          '"managementUrl" must be an http(s) URL such as https://api.netbird.io (from the stack config "netbird:managementUrl")',
      },
    ]);
  });

  it("checks settings from the environment and the stack config alike, naming the one source", async () => {
    process.env.NB_MANAGEMENT_URL = "https://netbird.example.com/api";
    await configureProvider(netbirdProvider, { "netbird:apiToken": "Token nbp_abc" });
    const result = await netbirdProvider.check?.(
      {},
      { ...valid(), managementUrl: undefined, apiToken: undefined },
    );
    expect(result?.failures).toEqual([
      {
        property: "",
        reason:
          '"managementUrl" must be the server\'s base URL, without the "/api" path (from the environment variable NB_MANAGEMENT_URL)',
      },
      {
        property: "",
        reason:
          '"apiToken" must be the token itself, without a "Token " or "Bearer " prefix (from the stack config "netbird:apiToken")',
      },
    ]);
    expect(JSON.stringify(result?.failures)).not.toContain("nbp_abc");
    expect(emu.requestsFor("netbird")).toEqual([]);
  });

  it.each([["abc"], ["0"], ["-5"], [" "]])(
    "checks netbird:requestsPerMinute from the stack config (%j), before any request",
    async (value) => {
      await configureProvider(netbirdProvider, { "netbird:requestsPerMinute": value });
      const result = await netbirdProvider.check?.({}, valid());
      expect(result?.failures).toEqual([
        {
          property: "",
          reason:
            '"requestsPerMinute" must be a number of requests per minute above 0, such as 120 (from the stack config "netbird:requestsPerMinute")',
        },
      ]);
      expect(emu.requestsFor("netbird")).toEqual([]);
    },
  );

  it("refuses a dot segment as adoptTokenId (it would be normalised away in the URL path)", async () => {
    const result = await netbirdProvider.check?.(
      {},
      { ...valid(), adoptTokenId: "..", adoptToken: BAD_CHECKSUM },
    );
    expect(result?.failures).toContainEqual({
      property: "",
      reason: '"adoptTokenId" must not be "." or ".."',
    });
    expect(emu.requestsFor("netbird")).toEqual([]);
  });

  it("refuses unknown input keys by name", async () => {
    const result = await netbirdProvider.check?.({}, { ...valid(), expiresInDay: 30 });
    expect(result?.failures).toEqual([
      { property: "", reason: '"expiresInDay" is not an input of this resource' },
    ]);
  });

  it("accepts the credential from NB_PAT and stores no default (rotateBeforeDays 7, revokePrevious false)", async () => {
    process.env.NB_PAT = emu.seeds.netbird.adminToken;
    const result = await netbirdProvider.check?.({}, { ...valid(), apiToken: undefined });
    expect(result?.failures).toBeUndefined();
    expect(result?.inputs).toEqual({
      userId: "svc-ci",
      name: "ci-pipeline",
      expiresInDays: 90,
      managementUrl: emu.url,
    });
  });

  it("does not judge values that are not known yet (preview)", async () => {
    const news = { ...valid(), name: UNKNOWN_VALUE };
    const result = await netbirdProvider.check?.({}, news);
    expect(result).toEqual({ inputs: news });
  });
});
