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
    tokenRotatesAt: producer.getOutput(`${outputName.replace(/Token$/, "")}RotatesAt`),
  };
};
