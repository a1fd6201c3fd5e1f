/**
 * Makes sure the current thread can import .ts modules before the runtime's
 * TypeScript entry points load on it.
 *
 * Why this exists: on Node 20 a worker thread does not run the `--import`
 * preloads listed in its execArgv (nodejs/node#47747; checked on 20.20: a
 * `--import data:...` preload never runs in the worker), so tsx's hooks from
 * `node --import tsx` do not reach workers and a .ts worker entry fails with
 * ERR_UNKNOWN_FILE_EXTENSION. Here a tiny .ts probe is imported first; only if
 * that fails is tsx registered programmatically for this thread (so a Node
 * that does honour the preload, or a compiled build, never registers twice).
 */
let ready;

export function ensureTypeScriptLoader() {
  ready ??= (async () => {
    const loads = await import('./typescript-probe.ts').then(
      () => true,
      () => false,
    );
    if (loads) return;
    const { register } = await import('tsx/esm/api');
    register();
  })();
  return ready;
}
