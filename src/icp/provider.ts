// Placeholder: replaced by the icp implementation.
import type * as pulumi from "@pulumi/pulumi";

/** The icp token provider (loaded by the shim in the provider process). */
export const icpProvider: pulumi.dynamic.ResourceProvider = {
  async create() {
    throw new Error("not implemented");
  },
};
