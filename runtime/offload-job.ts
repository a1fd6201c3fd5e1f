/**
 * Runs one offloaded job inside a piscina worker: imports the job's module by
 * URL and calls the named export with the job's arguments. Loaded by
 * offload-entry.mjs; holds no state between jobs besides the module cache.
 */
export interface OffloadTask {
  readonly module: string;
  readonly export: string;
  readonly args: readonly unknown[];
}

export async function runOffloadTask(task: OffloadTask): Promise<unknown> {
  const namespace = (await import(task.module)) as Record<string, unknown>;
  const job = Object.hasOwn(namespace, task.export) ? namespace[task.export] : undefined;
  if (typeof job !== 'function') throw new TypeError(`${task.module} has no function export named "${task.export}"`);
  return job(...task.args);
}
