// The demo program (`npm run demo`): one token of each kind, with settings from stack config.
import * as pulumi from "@pulumi/pulumi";
import { gcore, icp, netbird } from "pulumi-tokens";

export default async () => {
  const config = new pulumi.Config();

  const ci = new netbird.PersonalAccessToken("ci", {
    userId: config.require("netbirdUserId"),
    name: "ci-pipeline",
    expiresInDays: 90,
    rotateBeforeDays: 7,
  });

  const support = new gcore.UserToken("support", { userId: config.requireNumber("gcoreUserId") });

  const pull = new icp.RegistryToken("pull", { scope: config.require("icpScope") });

  return {
    netbirdTokenId: ci.tokenId,
    netbirdToken: ci.token,
    netbirdRotatesAt: ci.rotatesAt,
    netbirdPreviousTokenId: ci.previousTokenId,
    gcoreUsername: support.username,
    gcoreAccessToken: support.accessToken,
    gcoreRotatesAt: support.rotatesAt,
    registryAccess: pull.access,
    registryToken: pull.token,
    registryRotatesAt: pull.rotatesAt,
    dockerConfigJson: pull.dockerConfigJson,
  };
};
