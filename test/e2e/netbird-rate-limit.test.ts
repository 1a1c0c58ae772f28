// The real NetBird server's rate limiter, in `npm test`: 5 tokens at NetBird self-hosted's 6 requests a
// minute (burst 2). The 100-token run is opt-in: netbird-rate-limit-100.optin.test.ts.
import { describe, it } from "vitest";
import { netbirdBinary } from "../harness/netbird-server.ts";
import { BUILD_MS, rateLimitedRun } from "./netbird-rate-limit.ts";

describe("the real NetBird server's rate limiter", () => {
  it(
    "5 tokens at 6 requests a minute (burst 2): up and destroy finish, slowly, never failing",
    async (context) => {
      if (!(await netbirdBinary())) return context.skip();
      await rateLimitedRun(5, 6, 2);
    },
    BUILD_MS,
  );
});
