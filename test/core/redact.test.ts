import { describe, expect, it } from "vitest";
import { redact, redactUrl } from "../../src/core/redact.ts";

describe("redact", () => {
  it("removes known secrets and credential-shaped values", () => {
    const jwt = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhIn0.c2lnbmF0dXJl";
    expect(
      redact(`Bearer ${jwt} and nbp_abcdefghijklmnopqrstuvwxyz0123456789 and s3cr3t-value`, ["s3cr3t-value"]),
    ).toBe("Bearer [REDACTED] and [REDACTED] and [REDACTED]");
    expect(redact("Authorization: APIKey 77_Zx81kLmNoPqRsT")).toBe("Authorization: APIKey [REDACTED]");
  });

  it("recognises the auth scheme in any case", () => {
    for (const scheme of ["token", "TOKEN", "bearer", "BEARER", "apikey", "ApiKey", "basic"]) {
      expect(redact(`sent ${scheme} 77_Zx81kLmNoPqRsT`)).toBe(`sent ${scheme} [REDACTED]`);
    }
  });

  it("leaves API prose alone (regression: 'Token is invalid or expired' was mangled)", () => {
    for (const prose of [
      "Token is invalid or expired",
      "token invalid",
      "refresh token expired at 10:00",
      "Basic auth failed",
      "unsupported grant_type client_credentials",
      "access_type=offline",
    ]) {
      expect(redact(prose)).toBe(prose);
    }
  });

  it("scrubs prefixed API tokens of any vendor", () => {
    expect(redact("sent ghp_16C7e42F292c6912E7710c838347Ae178B4a and glpat_x1y2z3w4v5u6")).toBe(
      "sent [REDACTED] and [REDACTED]",
    );
  });

  it("reduces a URL to origin and path", () => {
    expect(redactUrl("https://user:pw@api.example.com:8443/a/b?token=x#frag")).toBe(
      "https://api.example.com:8443/a/b",
    );
    expect(redactUrl("not a url")).toBe("(invalid URL)");
  });
});
