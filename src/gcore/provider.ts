// Placeholder: replaced by the gcore implementation.
import type * as pulumi from "@pulumi/pulumi";

/** The gcore token provider (loaded by the shim in the provider process). */
export const gcoreProvider: pulumi.dynamic.ResourceProvider = {
  async create() {
    throw new Error("not implemented");
  },
};
