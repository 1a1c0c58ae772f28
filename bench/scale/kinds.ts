// The kinds the scale bench creates N times, their resource types and labels.
/** What is created N times. */
export type Kind = "noop" | "secretNoop" | "patShapedNoop" | "netbird" | "gcore" | "plugin";
/** Every kind, in the order of the tables. */
export const KINDS: readonly Kind[] = ["noop", "secretNoop", "patShapedNoop", "netbird", "gcore", "plugin"];
/** The kinds compared with the no-op resource: the tokens and their controls. */
export type ComparedKind = Exclude<Kind, "noop">;
/** Every kind but the no-op. */
export const COMPARED_KINDS = KINDS.filter((kind): kind is ComparedKind => kind !== "noop");
/** The Pulumi resource type of each kind, as the exported state names it. */
export const TYPES: Record<Kind, string> = {
  noop: "pulumi-nodejs:dynamic:BenchNoop",
  secretNoop: "pulumi-nodejs:dynamic:BenchSecretNoop",
  patShapedNoop: "pulumi-nodejs:dynamic:BenchPatShapedNoop",
  netbird: "pulumi-nodejs:dynamic/netbird:PersonalAccessToken",
  gcore: "pulumi-nodejs:dynamic/gcore:UserToken",
  plugin: "tokens:netbird:PersonalAccessToken",
};
/** Each kind as the tables and the chart name it. */
export const LABELS: Record<Kind, string> = {
  noop: "no-op dynamic resource",
  secretNoop: "no-op + a UserToken-size secret",
  patShapedNoop: "no-op shaped like a PersonalAccessToken",
  netbird: "netbird.PersonalAccessToken",
  gcore: "gcore.UserToken",
  plugin: "plugin tokens:netbird:PersonalAccessToken",
};
/** A record with one entry per kind of `kinds`. */
export function byKind<K extends Kind, T>(kinds: readonly K[], value: (kind: K) => T): Record<K, T> {
  return Object.fromEntries(kinds.map((kind) => [kind, value(kind)])) as Record<K, T>;
}
