// A Gcore user's JWT pair, issued with a reseller API key and renewed by plain `pulumi up` runs.
// Settings: `userId` (required), `rotateBeforeMinutes`, `rotationTrigger`; the provider reads
// `gcore:apiUrl` and `gcore:apiKey` (secret) from the same stack config.
import * as pulumi from "@pulumi/pulumi";
import { gcore } from "pulumi-tokens";

/** The program: one `gcore.UserToken` and the outputs a consumer needs. */
export default async () => {
  const config = new pulumi.Config();
  const rotationTrigger = config.get("rotationTrigger");
  const support = new gcore.UserToken("support", {
    userId: config.requireNumber("userId"),
    rotateBeforeMinutes: config.getNumber("rotateBeforeMinutes") ?? 10,
    ...(rotationTrigger !== undefined ? { rotationTrigger } : {}),
  });
  return {
    tokenId: support.id,
    accessToken: support.accessToken, // secret: `Authorization: Bearer <accessToken>`
    refreshToken: support.refreshToken, // secret
    accessExpiresAt: support.accessExpiresAt,
    refreshExpiresAt: support.refreshExpiresAt,
    rotatesAt: support.rotatesAt,
    username: support.username,
    userType: support.userType,
    clientId: support.clientId,
    userGroups: support.userGroups,
  };
};
