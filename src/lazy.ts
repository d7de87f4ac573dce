// Modules that only some runs need are loaded on first use: every module loaded costs the
// default run's start-up (measured: commander about 5 ms, an FFI library about 6 ms).

/** A value made on first use and kept. */
export function lazy<T>(make: () => T): () => T {
  let made: { value: T } | undefined;
  return () => (made ??= { value: make() }).value;
}
