// Shared vitest setup: a test must never depend on a real clock override left by another file.
import { afterEach } from "vitest";

afterEach(() => {
  delete process.env.PULUMI_TOKENS_NOW;
});
