/**
 * Fault injection: per route name, a queue of faults each applying to the next `count` requests.
 */
import type { FaultInjector, FaultKind } from "./types.ts";

/** The injector plus the server's side of it. */
export interface FaultQueue extends FaultInjector {
  /** The fault for the next request of `route` (consumes one use), or undefined. */
  take(route: string): FaultKind | undefined;
}

function validate(fault: FaultKind): void {
  switch (fault.kind) {
    case "status":
      if (!Number.isInteger(fault.status) || fault.status < 200 || fault.status > 599) {
        throw new Error(`fault status must be an integer in 200..599, got ${fault.status}`);
      }
      if (fault.retryAfter !== undefined && !(Number.isInteger(fault.retryAfter) && fault.retryAfter >= 0)) {
        throw new Error(
          `fault retryAfter must be a non-negative integer of seconds, got ${fault.retryAfter}`,
        );
      }
      return;
    case "delay":
    case "delay-after":
      if (!(Number.isFinite(fault.ms) && fault.ms >= 0))
        throw new Error(`fault delay must be >= 0 ms, got ${fault.ms}`);
      return;
    case "drop":
    case "drop-after":
    case "bad-json":
      return;
    default:
      throw new Error(`unknown fault kind ${JSON.stringify((fault as { kind: unknown }).kind)}`);
  }
}

/** Creates a fault queue that accepts only the given route names (a typo throws instead of silently not firing). */
export function createFaultQueue(routeNames: readonly string[]): FaultQueue {
  const known = new Set(routeNames);
  const queues = new Map<string, { fault: FaultKind; remaining: number }[]>();
  return {
    inject(route, fault, count = 1) {
      if (!known.has(route))
        throw new Error(`unknown route ${JSON.stringify(route)}; known: ${[...known].join(", ")}`);
      if (!(count >= 1 && (Number.isInteger(count) || count === Number.POSITIVE_INFINITY))) {
        throw new Error(`fault count must be a positive integer or Infinity, got ${count}`);
      }
      validate(fault);
      const queue = queues.get(route) ?? [];
      queue.push({ fault: { ...fault }, remaining: count });
      queues.set(route, queue);
    },
    clear() {
      queues.clear();
    },
    take(route) {
      const queue = queues.get(route);
      const head = queue?.[0];
      if (queue === undefined || head === undefined) return undefined;
      head.remaining -= 1;
      if (head.remaining <= 0) queue.shift();
      return head.fault;
    },
  };
}
