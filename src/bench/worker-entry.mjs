/**
 * Entry file of a load-generating worker thread. A JS file so Node can start
 * it whatever loader the parent used; it makes .ts importable on this thread
 * (the runtime's shared helper, see runtime/typescript-loader.mjs) and then
 * hands over to the real worker code.
 */
import { ensureTypeScriptLoader } from '../../runtime/typescript-loader.mjs';

await ensureTypeScriptLoader();
await import('./worker.ts');
