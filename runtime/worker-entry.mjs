/** Entry file of every actor worker thread: a JS file so Node can always start it, see typescript-loader.mjs. */
import { ensureTypeScriptLoader } from './typescript-loader.mjs';

await ensureTypeScriptLoader();
await import('./worker-main.ts');
