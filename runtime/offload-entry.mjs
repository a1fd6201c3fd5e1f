/** Task file of the offload pool (piscina): a JS file so piscina can always load it, see typescript-loader.mjs. */
import { ensureTypeScriptLoader } from './typescript-loader.mjs';

await ensureTypeScriptLoader();
const { runOffloadTask } = await import('./offload-job.ts');

export default runOffloadTask;
