// Memory settings of the operator process. glibc and V8 read them when the process starts, so they are
// set in its environment: by the image (images/operator-image.ts) and by the local stack's launcher
// (stack/operator-on-stack.ts), so that the benchmarks measure what ships. Measured with a warm pool of
// 2,000 pods, one process with both roles (2026-12-03):
//   MALLOC_ARENA_MAX=2        glibc otherwise keeps a malloc arena per thread that allocates (the process
//                             has 16: libuv, V8's platform, Temporal core's runtime) and holds on to what
//                             they freed: settled RSS 333-355 MB -> 282 MB.
//   --max-semi-space-size=4   V8's young generation, per isolate (the main thread and the workflow
//                             thread), in MB; the default grows to 16: idle RSS 262 -> 235 MB and a
//                             lower peak while a pool warms.

/**
 * Node flags that NODE_OPTIONS may not carry, so they go on the command line (the image's entrypoint, the
 * local stack's launcher):
 *   --optimize-for-size       V8 grows its heap in smaller steps and collects sooner: the watch role with
 *                             10,000 cached pods settled at 235 -> 164 MB RSS (2026-12-04; its live heap
 *                             was 77 and 72 MB: without the flag V8 kept a 127 MB heap after the list).
 */
export const OPERATOR_NODE_FLAGS = ['--optimize-for-size'] as const;

/** The environment variables, with NODE_OPTIONS as the process gets it. */
export const OPERATOR_MEMORY_ENV = {
  MALLOC_ARENA_MAX: '2',
  NODE_OPTIONS: '--max-semi-space-size=4',
} as const;

/** `env` with the memory settings added; NODE_OPTIONS already there are kept (and win, coming last). */
export function withOperatorMemoryEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const nodeOptions = [OPERATOR_MEMORY_ENV.NODE_OPTIONS, env.NODE_OPTIONS].filter(Boolean).join(' ');
  return { MALLOC_ARENA_MAX: OPERATOR_MEMORY_ENV.MALLOC_ARENA_MAX, ...env, NODE_OPTIONS: nodeOptions };
}
