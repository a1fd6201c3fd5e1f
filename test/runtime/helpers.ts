/** Shared by the runtime tests: fixture URLs and awaiting a system event. */
import type { ActorSystem, SystemEvent } from '../../runtime/index.ts';

export function fixture(file: string): string {
  return new URL(`./fixtures/${file}`, import.meta.url).href;
}

/** Resolves with the first event matching `predicate`; rejects after `timeoutMs` (a safety net only). */
export function nextEvent<E extends SystemEvent>(
  system: ActorSystem,
  predicate: (event: SystemEvent) => event is E,
  timeoutMs = 10_000,
): Promise<E> {
  return new Promise<E>((resolve, reject) => {
    const timer = setTimeout(() => {
      stop();
      reject(new Error(`no matching system event within ${timeoutMs} ms`));
    }, timeoutMs);
    const stop = system.onEvent((event) => {
      if (!predicate(event)) return;
      clearTimeout(timer);
      stop();
      resolve(event);
    });
  });
}

export function isEvent<T extends SystemEvent['type']>(type: T, actor?: string) {
  return (event: SystemEvent): event is Extract<SystemEvent, { type: T }> =>
    event.type === type && (actor === undefined || !('actor' in event) || event.actor === actor);
}
