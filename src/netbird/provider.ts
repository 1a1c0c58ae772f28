// Placeholder: replaced by the netbird implementation.
import type * as pulumi from "@pulumi/pulumi";

/** The netbird token provider (loaded by the shim in the provider process). */
export const netbirdProvider: pulumi.dynamic.ResourceProvider = {
  async create() {
    throw new Error("not implemented");
  },
};
