// What one resource of a kind stores at rest, from `pulumi stack export` (secrets encrypted).
import { type Kind, TYPES } from "./kinds.ts";

/** What one resource of a kind stores, from `pulumi stack export` (secrets encrypted). */
export interface AtRest {
  kind: Kind;
  /** Compact JSON bytes of one resource entry of the deployment (mean over the N resources). */
  bytesPerResource: number;
  /** Bytes of the `__provider` text (stored twice: inputs and outputs). */
  providerBytes: number;
  /** The `__provider` text itself (of the first resource). */
  providerText: string;
  /** Encrypted values (`ciphertext`) per resource. */
  secretsPerResource: number;
  /** Properties per resource, inputs + outputs. */
  propertiesPerResource: number;
}

/** The at-rest figures of one kind, averaged over its resources in an exported deployment. */
export function atRestOf(kind: Kind, exported: string): AtRest {
  const resources = (
    JSON.parse(exported) as {
      deployment: {
        resources: { type: string; inputs?: Record<string, unknown>; outputs?: Record<string, unknown> }[];
      };
    }
  ).deployment.resources.filter((resource) => resource.type === TYPES[kind]);
  if (resources.length === 0) throw new Error(`no ${TYPES[kind]} in the exported state`);
  const sum = (f: (r: (typeof resources)[number]) => number) =>
    resources.reduce((total, resource) => total + f(resource), 0) / resources.length;
  return {
    kind,
    bytesPerResource: Math.round(sum((r) => JSON.stringify(r).length)),
    providerBytes: Math.round(sum((r) => String(r.outputs?.__provider ?? r.inputs?.__provider ?? "").length)),
    providerText: String(resources[0]?.outputs?.__provider ?? ""),
    secretsPerResource: sum((r) => JSON.stringify(r).split('"ciphertext"').length - 1),
    propertiesPerResource: sum(
      (r) => Object.keys(r.inputs ?? {}).length + Object.keys(r.outputs ?? {}).length,
    ),
  };
}
