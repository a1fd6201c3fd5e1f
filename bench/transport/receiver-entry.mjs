/** JS entry of the benchmark's receiver thread: makes .ts importable on the worker (see runtime/typescript-loader.mjs). */
import { ensureTypeScriptLoader } from '../../runtime/typescript-loader.mjs';

await ensureTypeScriptLoader();
await import('./receiver.ts');
