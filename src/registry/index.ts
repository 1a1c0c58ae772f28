/**
 * Short-lived tokens of the Docker Registry v2 token protocol, for any registry that speaks it.
 *
 * @module
 */
export { Token, type TokenAccess, type TokenArgs } from "./token.ts";
