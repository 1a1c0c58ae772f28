// The per-token explanation lines `diff` writes when it decides to rotate (issue #12), exact text and count.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { NOW_ENV } from "../../src/core/clock.ts";
import { captureNotices } from "../../src/core/log.ts";
import { MINUTE_MS } from "../../src/core/rotation.ts";
import {
  explainRotation,
  forgetWrittenRotations,
  type RotationFacts,
  rotationExplanation,
} from "../../src/core/rotation-notice.ts";
import { gcoreProvider } from "../../src/gcore/provider.ts";
import { netbirdProvider } from "../../src/netbird/provider.ts";

const DAY = 86_400_000;
const T0 = Date.parse("2030-01-01T00:00:00Z");
const iso = (ms: number) => new Date(ms).toISOString();

const facts = (over: Partial<RotationFacts> = {}): RotationFacts => ({
  vendor: "netbird",
  id: "svc-ci/ci-pipeline",
  olds: { expiresAt: iso(T0 + 90 * DAY) },
  reason: "due",
  rotateBeforeMs: 7 * DAY,
  now: new Date(T0 + 84 * DAY),
  ...over,
});

let lines: string[] = [];
let restore: () => void = () => undefined;
beforeEach(() => {
  forgetWrittenRotations();
  lines = [];
  restore = captureNotices((line) => lines.push(line));
});
afterEach(() => restore());

describe("rotationExplanation", () => {
  it("says nothing when nothing rotates", () => {
    expect(rotationExplanation(facts({ reason: undefined }))).toBeUndefined();
    explainRotation(facts({ reason: undefined }));
    expect(lines).toEqual([]);
  });

  it("names rotatesAt and the expiry when the window is reached", () => {
    explainRotation(facts());
    expect(lines).toEqual([
      "pulumi-tokens: netbird: svc-ci/ci-pipeline: rotating: rotatesAt 2030-03-25T00:00:00.000Z has passed (the current credential expires at 2030-04-01T00:00:00.000Z)",
    ]);
  });

  it("names a changed rotationTrigger", () => {
    explainRotation(facts({ reason: "trigger-changed", now: new Date(T0 + DAY) }));
    expect(lines).toEqual(["pulumi-tokens: netbird: svc-ci/ci-pipeline: rotating: rotationTrigger changed"]);
  });

  it("warns, after the prefix, when the credential already expired (runs were missed), whatever the reason", () => {
    const warning =
      "pulumi-tokens: netbird: svc-ci/ci-pipeline: WARNING: the current credential expired at 2030-04-01T00:00:00.000Z before a run rotated it (scheduled runs were missed), so its consumers have been failing since then; rotating now";
    explainRotation(facts({ now: new Date(T0 + 95 * DAY) }));
    forgetWrittenRotations();
    explainRotation(facts({ now: new Date(T0 + 90 * DAY), reason: "trigger-changed" }));
    expect(lines).toEqual([warning, warning]);
  });

  it("writes a line once per provider process (up --refresh diffs each resource twice)", () => {
    explainRotation(facts());
    explainRotation(facts());
    explainRotation(facts({ id: "svc-ci/other" }));
    expect(lines).toEqual([
      "pulumi-tokens: netbird: svc-ci/ci-pipeline: rotating: rotatesAt 2030-03-25T00:00:00.000Z has passed (the current credential expires at 2030-04-01T00:00:00.000Z)",
      "pulumi-tokens: netbird: svc-ci/other: rotating: rotatesAt 2030-03-25T00:00:00.000Z has passed (the current credential expires at 2030-04-01T00:00:00.000Z)",
    ]);
    forgetWrittenRotations();
    explainRotation(facts());
    expect(lines).toHaveLength(3);
  });

  it("appends the kind's note to the generic reason", () => {
    const olds = { expiresAt: "2030-01-01T01:00:00.000Z" };
    const gcore = { vendor: "gcore" as const, id: "users/1234", olds, rotateBeforeMs: 10 * MINUTE_MS };
    explainRotation({ ...gcore, reason: "due", now: new Date("2030-01-01T00:55:00Z") });
    const note =
      "the refresh JWT expired at 2030-01-02T00:00:00.000Z, so the update issues a new pair through the reseller endpoint";
    explainRotation({ ...gcore, reason: "due", now: new Date("2030-01-02T00:10:00Z"), wording: { note } });
    expect(lines).toEqual([
      "pulumi-tokens: gcore: users/1234: rotating: rotatesAt 2030-01-01T00:50:00.000Z has passed (the current credential expires at 2030-01-01T01:00:00.000Z)",
      "pulumi-tokens: gcore: users/1234: WARNING: the current credential expired at 2030-01-01T01:00:00.000Z before a run rotated it (scheduled runs were missed), so its consumers have been failing since then; rotating now; the refresh JWT expired at 2030-01-02T00:00:00.000Z, so the update issues a new pair through the reseller endpoint",
    ]);
  });

  it("takes the kind's cause over the generic reason, even over the expiry warning", () => {
    const olds = { expiresAt: iso(T0 + 20 * DAY), status: "missing" };
    const cause = "the current credential is gone (a refresh found it deleted outside Pulumi)";
    explainRotation(facts({ olds, now: new Date(T0 + 20 * DAY), wording: { cause } }));
    expect(lines).toEqual([
      "pulumi-tokens: netbird: svc-ci/ci-pipeline: rotating: the current credential is gone (a refresh found it deleted outside Pulumi)",
    ]);
  });

  it("says so when the stored expiry is unreadable", () => {
    explainRotation(facts({ olds: { expiresAt: "soon" } }));
    expect(lines).toEqual([
      "pulumi-tokens: netbird: svc-ci/ci-pipeline: rotating: the stored expiresAt is missing or unreadable",
    ]);
  });
});

// Through the call site: the vendors' real `diff`, which must write exactly one line per decision.
describe("diff explains itself", () => {
  const nbNews = {
    userId: "svc-ci",
    name: "ci-pipeline",
    expiresInDays: 90,
    rotateBeforeDays: 7,
    revokePrevious: false,
    managementUrl: "https://netbird.example.com",
  };
  const nbOlds = {
    ...nbNews,
    tokenId: "tok-1",
    token: "nbp_000000000000000000000000000000000000",
    expiresAt: iso(T0 + 90 * DAY),
    rotatesAt: iso(T0 + 83 * DAY),
    status: "active",
  };
  const at = (ms: number) => {
    process.env[NOW_ENV] = iso(ms);
  };

  it("netbird: silent while not due, one line when due, one warning when expired, one for a trigger", async () => {
    at(T0 + 82 * DAY);
    expect(await netbirdProvider.diff?.("svc-ci/ci-pipeline", nbOlds, nbNews)).toEqual({ changes: false });
    expect(lines).toEqual([]);

    at(T0 + 83 * DAY);
    expect(await netbirdProvider.diff?.("svc-ci/ci-pipeline", nbOlds, nbNews)).toEqual({ changes: true });
    expect(lines).toEqual([
      "pulumi-tokens: netbird: svc-ci/ci-pipeline: rotating: rotatesAt 2030-03-25T00:00:00.000Z has passed (the current credential expires at 2030-04-01T00:00:00.000Z)",
    ]);

    lines.length = 0;
    at(T0 + 100 * DAY);
    expect(await netbirdProvider.diff?.("svc-ci/ci-pipeline", nbOlds, nbNews)).toEqual({ changes: true });
    expect(lines).toEqual([
      "pulumi-tokens: netbird: svc-ci/ci-pipeline: WARNING: the current credential expired at 2030-04-01T00:00:00.000Z before a run rotated it (scheduled runs were missed), so its consumers have been failing since then; rotating now",
    ]);

    lines.length = 0;
    at(T0 + DAY);
    const triggered = { ...nbNews, rotationTrigger: "2030-q1" };
    expect(await netbirdProvider.diff?.("svc-ci/ci-pipeline", nbOlds, triggered)).toEqual({ changes: true });
    expect(lines).toEqual(["pulumi-tokens: netbird: svc-ci/ci-pipeline: rotating: rotationTrigger changed"]);
  });

  it("netbird: a token a refresh found deleted is gone, not expired", async () => {
    at(T0 + 100 * DAY);
    expect(
      await netbirdProvider.diff?.("svc-ci/ci-pipeline", { ...nbOlds, status: "missing" }, nbNews),
    ).toEqual({
      changes: true,
    });
    expect(lines).toEqual([
      "pulumi-tokens: netbird: svc-ci/ci-pipeline: rotating: the current credential is gone (a refresh found it deleted outside Pulumi)",
    ]);
  });

  it("netbird: a replacement or a plain input change is not a rotation and writes nothing", async () => {
    at(T0 + DAY);
    const renamed = await netbirdProvider.diff?.("svc-ci/ci-pipeline", nbOlds, { ...nbNews, name: "other" });
    expect(renamed).toMatchObject({ replaces: ["name"] });
    const widened = await netbirdProvider.diff?.("svc-ci/ci-pipeline", nbOlds, {
      ...nbNews,
      rotateBeforeDays: 10,
    });
    expect(widened).toEqual({ changes: true });
    expect(lines).toEqual([]);
  });

  it("gcore: the refresh-JWT clause once the stored refresh token has expired", async () => {
    const news = { userId: 1234, rotateBeforeMinutes: 10, apiUrl: "https://api.gcore.com" };
    const olds = {
      ...news,
      accessToken: "a",
      refreshToken: "r",
      accessExpiresAt: "2030-01-01T01:00:00.000Z",
      refreshExpiresAt: "2030-01-02T00:00:00.000Z",
      expiresAt: "2030-01-01T01:00:00.000Z",
      rotatesAt: "2030-01-01T00:50:00.000Z",
    };
    at(Date.parse("2030-01-01T00:49:59Z"));
    expect(await gcoreProvider.diff?.("users/1234", olds, news)).toEqual({ changes: false });
    at(Date.parse("2030-01-02T01:00:00Z"));
    expect(await gcoreProvider.diff?.("users/1234", olds, news)).toEqual({ changes: true });
    expect(lines).toEqual([
      "pulumi-tokens: gcore: users/1234: WARNING: the current credential expired at 2030-01-01T01:00:00.000Z before a run rotated it (scheduled runs were missed), so its consumers have been failing since then; rotating now; the refresh JWT expired at 2030-01-02T00:00:00.000Z, so the update issues a new pair through the reseller endpoint",
    ]);
  });
});
