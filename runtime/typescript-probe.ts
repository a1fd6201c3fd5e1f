/** Imported by typescript-loader.mjs only to learn whether this thread can load TypeScript already. */
export const typeScriptLoads = true;
