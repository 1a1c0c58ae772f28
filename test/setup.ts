// Shared vitest setup: a test must never depend on a real clock override, or on what a provider
// remembers for one engine operation, left by another test.
import { afterEach } from "vitest";
import { forgetListedTokens } from "../src/netbird/provider.ts";

afterEach(() => {
  delete process.env.PULUMI_TOKENS_NOW;
  forgetListedTokens();
});
