/**
 * Turns an ActorSpec (module URL, export name, msgpackr-encoded args) into a
 * behaviour factory on the thread that runs the actor. Functions cannot cross
 * threads, so this is the only way a behaviour reaches a worker.
 *
 * Arguments are decoded afresh on every start, so a restarted actor never
 * sees what a previous incarnation did to its arguments.
 */
import { unpack } from 'msgpackr';
import type { BehaviourFactory } from './actor-cell.ts';
import { isActorDefinition, type ActorDefinition } from './behaviour.ts';
import type { ActorSpec } from './control-protocol.ts';
import { BehaviourLoadError } from './errors.ts';

export async function loadActorDefinition(moduleUrl: string, exportName: string): Promise<ActorDefinition<unknown, unknown>> {
  let namespace: Record<string, unknown>;
  try {
    namespace = (await import(moduleUrl)) as Record<string, unknown>;
  } catch (error) {
    throw new BehaviourLoadError({ module: moduleUrl, export: exportName, reason: `import failed: ${String(error)}` });
  }
  if (!Object.hasOwn(namespace, exportName)) {
    throw new BehaviourLoadError({ module: moduleUrl, export: exportName, reason: 'the module has no such export' });
  }
  const definition = namespace[exportName];
  if (!isActorDefinition(definition)) {
    throw new BehaviourLoadError({ module: moduleUrl, export: exportName, reason: 'the export is not made by defineActor()' });
  }
  return definition;
}

export function behaviourFactoryFor(spec: ActorSpec): BehaviourFactory {
  return async (ctx) => {
    const definition = await loadActorDefinition(spec.module, spec.export);
    return definition.create(unpack(spec.args), ctx);
  };
}
