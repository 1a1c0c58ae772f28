/**
 * Gcore: `UserToken`, a user's JWT pair issued by a reseller and renewed through the refresh endpoint.
 *
 * @module
 */
export { UserToken, type UserTokenArgs } from "./user-token.ts";
