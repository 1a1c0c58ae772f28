// A short-lived push/pull token for an IBM Cloud Private registry, renewed by plain `pulumi up` runs,
// handed to a CI job as a Docker client config: the job writes the `dockerConfigJson` output to
// `$DOCKER_CONFIG/config.json`, and docker, crane or buildkit send the token as a Bearer.
// (Not for Kubernetes imagePullSecrets: the kubelet cannot use a registry JWT; see docs/registry-clients.md.)
// Settings: `scope` (default repository:ns/app:pull), `service`, `registry`, `rotateBeforeMinutes`; the
// provider reads icp:clusterUrl, icp:username, icp:password (secret) and icp:caCertificate from the same
// stack config.
import * as pulumi from "@pulumi/pulumi";
import { icp } from "pulumi-tokens";

/** The program: one `icp.RegistryToken` and the forms its consumers take. */
export default async () => {
  const config = new pulumi.Config();
  const registry = config.get("registry");
  const service = config.get("service");
  const pull = new icp.RegistryToken("pull", {
    scope: config.get("scope") ?? "repository:ns/app:pull",
    ...(service !== undefined ? { service } : {}),
    ...(registry !== undefined ? { registry } : {}),
    rotateBeforeMinutes: config.getNumber("rotateBeforeMinutes") ?? 5,
  });
  return {
    tokenId: pull.id,
    registry: pull.registry,
    service: pull.service,
    access: pull.access,
    expiresAt: pull.expiresAt,
    rotatesAt: pull.rotatesAt,
    // Secrets: `token` for an `Authorization: Bearer` header, `dockerConfigJson` for $DOCKER_CONFIG/config.json.
    token: pull.token,
    dockerConfigJson: pull.dockerConfigJson,
  };
};
