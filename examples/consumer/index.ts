// A stack that consumes tokens another stack issues, through a StackReference.
// The producer's secret outputs arrive here still secret.
import * as pulumi from "@pulumi/pulumi";

export default async () => {
  const config = new pulumi.Config();
  const producer = new pulumi.StackReference("producer", { name: config.require("producerStack") });
  const outputName = config.get("tokenOutput") ?? "netbirdToken";
  return {
    // What a deployment in this stack would hand to its workload (an env var, a Kubernetes Secret…).
    token: producer.getOutput(outputName),
    // null when the producer exports no such output (an undefined stack output only makes Pulumi warn)
    tokenRotatesAt: producer
      .getOutput(`${outputName.replace(/Token$/, "")}RotatesAt`)
      .apply((at: unknown) => at ?? null),
  };
};
