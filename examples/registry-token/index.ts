// A short-lived push/pull token for any registry that speaks the Docker Registry v2 token protocol (the
// CNCF distribution registry, Harbor, GitLab, Docker Hub, …), renewed by plain `pulumi up` runs and handed
// to a CI job as a Docker client config: the job writes the `dockerConfigJson` output to
// `$DOCKER_CONFIG/config.json`, and docker, crane or buildkit send the token as a Bearer.
// Settings: `registryUrl` (required), `scope` (default repository:team/app:pull,push), `grantType`,
// `rotateBeforeSeconds`, `trustedRealmHosts` (comma-separated); the provider reads registry:username,
// registry:password (secret), registry:refreshToken (secret) and registry:caCertificate from the same stack config.
import * as pulumi from "@pulumi/pulumi";
import { registry } from "pulumi-tokens";

/** The program: one `registry.Token` and the forms its consumers take. */
export default async () => {
  const config = new pulumi.Config();
  const grantType = config.get("grantType") as registry.TokenArgs["grantType"];
  const trusted = config.get("trustedRealmHosts");
  const push = new registry.Token("push", {
    registryUrl: config.require("registryUrl"),
    scopes: [config.get("scope") ?? "repository:team/app:pull,push"],
    ...(grantType !== undefined ? { grantType } : {}),
    ...(trusted !== undefined ? { trustedRealmHosts: trusted.split(",") } : {}),
    rotateBeforeSeconds: config.getNumber("rotateBeforeSeconds") ?? 300,
  });
  return {
    tokenId: push.id,
    registry: push.registry,
    realm: push.realm,
    service: push.service,
    access: push.access,
    issuedAt: push.issuedAt,
    expiresAt: push.expiresAt,
    rotatesAt: push.rotatesAt,
    // Secrets: `token` for an `Authorization: Bearer` header, `dockerConfigJson` for $DOCKER_CONFIG/config.json.
    token: push.token,
    dockerConfigJson: push.dockerConfigJson,
  };
};
