// Stack config that points the demo program at the bundled emulators (used by `npm run demo`
// and `npm run bench`).
import type { ConfigMap } from "@pulumi/pulumi/automation/index.js";
import type { Emulator } from "../../src/emulator/index.ts";

/** Config for the demo program: NetBird and Gcore on `plain`, ICP on the TLS emulator `tls`. */
export function emulatorConfig(plain: Emulator, tls: Emulator, icpActions = "pull,push"): ConfigMap {
  return {
    "netbird:managementUrl": { value: plain.url },
    "netbird:apiToken": { value: plain.seeds.netbird.adminToken, secret: true },
    "gcore:apiUrl": { value: plain.url },
    "gcore:apiKey": { value: plain.seeds.gcore.resellerApiKey, secret: true },
    "icp:clusterUrl": { value: tls.url },
    "icp:username": { value: tls.seeds.icp.username },
    "icp:password": { value: tls.seeds.icp.password, secret: true },
    "icp:caCertificate": { value: tls.caCertificate ?? "" },
    "pulumi-tokens-demo:netbirdUserId": { value: plain.seeds.netbird.serviceUserId },
    "pulumi-tokens-demo:gcoreUserId": { value: String(plain.seeds.gcore.userId) },
    "pulumi-tokens-demo:icpScope": { value: `repository:${tls.seeds.icp.repositories[0]}:${icpActions}` },
  };
}
