// A NetBird personal access token for a service user, issued with an admin's credential and rotated with
// overlap by plain `pulumi up` runs. Settings: `userId` (default "svc-ci"), `tokenName` (default
// "ci-pipeline"), `expiresInDays` (90), `rotateBeforeDays` (30), `revokePrevious` (false), `rotationTrigger`;
// the provider reads `netbird:managementUrl`, `netbird:apiToken` (secret) and `netbird:caCertificate` from the
// same stack config.
import * as pulumi from "@pulumi/pulumi";
import { netbird } from "pulumi-tokens";

/** The program: one `netbird.PersonalAccessToken` and the outputs a consumer needs. */
export default async () => {
  const config = new pulumi.Config();
  const rotationTrigger = config.get("rotationTrigger");
  const pat = new netbird.PersonalAccessToken("ci", {
    userId: config.get("userId") ?? "svc-ci",
    name: config.get("tokenName") ?? "ci-pipeline",
    expiresInDays: config.getNumber("expiresInDays") ?? 90,
    rotateBeforeDays: config.getNumber("rotateBeforeDays") ?? 30,
    revokePrevious: config.getBoolean("revokePrevious") ?? false,
    ...(rotationTrigger !== undefined ? { rotationTrigger } : {}),
  });
  return {
    id: pat.id,
    tokenId: pat.tokenId,
    token: pat.token, // secret: `Authorization: Token <token>`
    expiresAt: pat.expiresAt,
    rotatesAt: pat.rotatesAt,
    status: pat.status,
    // The previous token is null until the first rotation (an undefined stack output would make Pulumi
    // warn "Undefined value (previousToken) will not show as a stack output").
    previousTokenId: pat.previousTokenId.apply((id) => id ?? null),
    previousToken: pat.previousToken.apply((token) => token ?? null), // secret, valid until the next rotation
    previousExpiresAt: pat.previousExpiresAt.apply((at) => at ?? null),
  };
};
