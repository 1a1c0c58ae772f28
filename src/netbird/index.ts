/**
 * NetBird: personal access tokens of the management API.
 *
 * @module
 */
export {
  PersonalAccessToken,
  type PersonalAccessTokenArgs,
  type PersonalAccessTokenPendingRevocation,
} from "./personal-access-token.ts";
