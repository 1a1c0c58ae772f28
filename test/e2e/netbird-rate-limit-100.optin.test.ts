// Opt-in (`npm run test:rate-limit-100`, about 2 min): 100 tokens on one admin credential against the real
// NetBird server limiting at NetBird Cloud's documented 120 requests a minute (burst 20).
import { describe, it } from "vitest";
import { BUILD_MS, rateLimitedRun } from "./netbird-rate-limit.ts";

describe("the real NetBird server's rate limiter, at NetBird Cloud's limit", () => {
  it(
    "100 tokens at 120 requests a minute (burst 20): up and destroy finish",
    async () => rateLimitedRun(100, 120, 20),
    BUILD_MS,
  );
});
