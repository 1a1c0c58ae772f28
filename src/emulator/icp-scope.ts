/**
 * Docker registry token scopes (distribution spec, auth/scope.md): `type[(class)]:name:action[,action]`.
 * The name may contain `host:port/`, so the type is split off at the FIRST ':' and the actions at the LAST one.
 */

/** One resource scope, as requested or as granted in a token's `access` claim. */
export interface ResourceScope {
  type: string;
  class?: string;
  name: string;
  actions: string[];
}

const RESOURCE_TYPE = /^([a-z0-9]+)(?:\(([a-z0-9]+)\))?$/;
const ACTION = /^(?:[a-z]+|\*)$/;

/** Parses one scope; undefined when it does not follow the grammar. */
export function parseScope(scope: string): ResourceScope | undefined {
  const first = scope.indexOf(":");
  const last = scope.lastIndexOf(":");
  if (first < 0 || last === first) return undefined;
  const typeMatch = RESOURCE_TYPE.exec(scope.slice(0, first));
  const name = scope.slice(first + 1, last);
  const actions = scope.slice(last + 1).split(",");
  if (typeMatch === null || name === "" || /\s/.test(name) || !actions.every((a) => ACTION.test(a))) {
    return undefined;
  }
  const [, type = "", resourceClass] = typeMatch;
  return resourceClass === undefined
    ? { type, name, actions }
    : { type, class: resourceClass, name, actions };
}

/**
 * Parses every `scope` query value (each may hold several scopes separated by spaces, OAuth style) and merges
 * scopes on the same resource. Returns undefined if any scope is malformed.
 */
export function parseScopes(values: readonly string[]): ResourceScope[] | undefined {
  const merged = new Map<string, ResourceScope>();
  for (const raw of values.flatMap((value) => value.split(" ")).filter((s) => s !== "")) {
    const scope = parseScope(raw);
    if (scope === undefined) return undefined;
    const key = `${scope.type}(${scope.class ?? ""}):${scope.name}`;
    const existing = merged.get(key);
    if (existing === undefined) merged.set(key, scope);
    else existing.actions = [...new Set([...existing.actions, ...scope.actions])];
  }
  return [...merged.values()];
}
