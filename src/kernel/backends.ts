// The foreign-function libraries that can make the calls Node cannot (src/kernel/libc.ts loads
// them). Their names alone, so that the option table need not load the library code.
export const BACKENDS = ['koffi', 'ffi-napi'] as const;
export type Backend = (typeof BACKENDS)[number];
