/**
 * Values built on first use and kept for the life of the process.
 *
 * @module
 */

/**
 * Wraps a builder so that it runs on the first call and every later call returns the same value. The
 * response schemas use it: a zod schema costs more to build than to run, and a provider process checks
 * hundreds of answers, while building nothing at module load keeps the provider's cold start short.
 * core/http.ts loads got with it, on the first request.
 */
export function once<T>(build: () => T): () => T {
  let built: { value: T } | undefined;
  return () => (built ??= { value: build() }).value;
}
