import { describe, expect, it } from "vitest";
import { compactForm, derivedKeys, presentedForm } from "../../src/core/stored-form.ts";
import { USER_TOKEN } from "../../src/gcore/definition.ts";
import { PERSONAL_ACCESS_TOKEN } from "../../src/netbird/definition.ts";

const pat = PERSONAL_ACCESS_TOKEN.storedForm;
const userToken = USER_TOKEN.storedForm;

const fullPat = {
  userId: "svc-ci",
  name: "ci",
  expiresInDays: 90,
  rotateBeforeDays: 7,
  revokePrevious: false,
  managementUrl: "https://nb.example",
  tokenId: "t1",
  token: "nbp_x",
  expiresAt: "2030-03-31T00:00:00.000Z",
  rotatesAt: "2030-03-24T00:00:00.000Z",
  createdAt: "2030-01-01T00:00:00.000Z",
  createdBy: "admin",
  status: "active",
};

describe("stored form", () => {
  it("leaves out defaults and rotatesAt, and puts them back", () => {
    const compact = compactForm(pat, fullPat);
    expect(compact).toEqual({
      userId: "svc-ci",
      name: "ci",
      expiresInDays: 90,
      managementUrl: "https://nb.example",
      tokenId: "t1",
      token: "nbp_x",
      expiresAt: "2030-03-31T00:00:00.000Z",
      createdAt: "2030-01-01T00:00:00.000Z",
      createdBy: "admin",
    });
    expect(presentedForm(pat, compact)).toEqual(fullPat);
    // State that stores every value (0.1.0) is presented the same.
    expect(presentedForm(pat, fullPat)).toEqual(fullPat);
  });

  it("keeps values that differ from their default, which may depend on another value", () => {
    const changed = { ...fullPat, rotateBeforeDays: 1, status: "missing", revokePrevious: true };
    expect(compactForm(pat, changed)).toMatchObject({
      rotateBeforeDays: 1,
      status: "missing",
      revokePrevious: true,
    });
    // The default window of a 3-day lifetime is a third of it: one day, so it is left out.
    const shortLived = { ...fullPat, expiresInDays: 3, rotateBeforeDays: 1 };
    expect(compactForm(pat, shortLived)).not.toHaveProperty("rotateBeforeDays");
    expect(presentedForm(pat, compactForm(pat, shortLived))).toMatchObject({
      rotateBeforeDays: 1,
      rotatesAt: "2030-03-30T00:00:00.000Z",
    });
  });

  it("stores packed secrets as one object and presents them by name; 0.1.0 stores them by name", () => {
    const full = {
      userId: 7,
      accessToken: "a.b.c",
      refreshToken: "d.e.f",
      expiresAt: "2030-01-01T01:00:00.000Z",
      rotateBeforeMinutes: 10,
    };
    const compact = compactForm(userToken, full);
    expect(compact).toEqual({
      userId: 7,
      secrets: { accessToken: "a.b.c", refreshToken: "d.e.f" },
      expiresAt: "2030-01-01T01:00:00.000Z",
    });
    const presented = { ...full, rotatesAt: "2030-01-01T00:50:00.000Z" };
    expect(presentedForm(userToken, compact)).toEqual(presented);
    expect(presentedForm(userToken, full)).toEqual(presented);
    expect(compactForm(userToken, full)).toEqual(compactForm(userToken, presented));
  });

  it("names the outputs it derives", () => {
    expect(derivedKeys(pat)).toEqual(["rotateBeforeDays", "revokePrevious", "status", "rotatesAt"]);
    expect(derivedKeys(userToken)).toEqual(["rotateBeforeMinutes", "rotatesAt"]);
  });
});
