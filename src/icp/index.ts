/**
 * IBM Cloud Private: short-lived Docker registry tokens from the cluster's image-manager.
 *
 * @module
 */
export { type RegistryAccess, RegistryToken, type RegistryTokenArgs } from "./registry-token.ts";
