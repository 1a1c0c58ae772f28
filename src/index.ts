/**
 * pulumi-tokens: Pulumi dynamic resources that issue, renew, rotate and revoke API tokens.
 *
 * @example
 * ```ts
 * import { netbird } from "pulumi-tokens";
 * const pat = new netbird.PersonalAccessToken("ci", { userId: "svc-ci", name: "ci", expiresInDays: 90 });
 * export const token = pat.token; // secret
 * ```
 *
 * @module
 */

export { NOW_ENV } from "./core/clock.ts";
export * from "./errors.ts";
export * as gcore from "./gcore/index.ts";
export * as icp from "./icp/index.ts";
export * as netbird from "./netbird/index.ts";
export * as registry from "./registry/index.ts";
