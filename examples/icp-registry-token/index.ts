// A pull token for an IBM Cloud Private registry, renewed by plain `pulumi up` runs, fed into the
// consumer a cluster needs: a `kubernetes.io/dockerconfigjson` Secret manifest (apply it with
// kubectl or @pulumi/kubernetes and list it in a pod's imagePullSecrets).
// Settings: `scope` (default repository:ns/app:pull), `registry`, `rotateBeforeMinutes`; the provider
// reads icp:clusterUrl, icp:username, icp:password (secret) and icp:caCertificate from the same stack config.
import * as pulumi from "@pulumi/pulumi";
import { icp } from "pulumi-tokens";

/** The Kubernetes Secret manifest for a `.dockerconfigjson` document. */
function pullSecretManifest(name: string, dockerConfigJson: string) {
  return {
    apiVersion: "v1",
    kind: "Secret",
    metadata: { name },
    type: "kubernetes.io/dockerconfigjson",
    data: { ".dockerconfigjson": Buffer.from(dockerConfigJson, "utf8").toString("base64") },
  };
}

/** The program: one `icp.RegistryToken` and the pull Secret built from it. */
export default async () => {
  const config = new pulumi.Config();
  const registry = config.get("registry");
  const pull = new icp.RegistryToken("pull", {
    scope: config.get("scope") ?? "repository:ns/app:pull",
    ...(registry !== undefined ? { registry } : {}),
    rotateBeforeMinutes: config.getNumber("rotateBeforeMinutes") ?? 5,
  });
  return {
    tokenId: pull.id,
    registry: pull.registry,
    access: pull.access,
    expiresAt: pull.expiresAt,
    rotatesAt: pull.rotatesAt,
    // Secret: it carries the registry token.
    pullSecret: pulumi.secret(pull.dockerConfigJson.apply((json) => pullSecretManifest("icp-pull", json))),
  };
};
