/**
 * A member handle that counts the embedded watches the server opens on it
 * and has not cancelled yet, so a test can await "nothing left open" after a
 * client went away (the recipe services watch keys on a client's behalf).
 */
import { EventEmitter, once } from 'node:events';
import type { Conclave, Watch } from '../../src/index.ts';

export interface WatchCounter {
  /** Pass this handle to the server instead of `db`. */
  readonly db: Conclave;
  open(): number;
  /** Resolves once `predicate(open watches)` holds; bounded by `timeoutMs`. */
  until(predicate: (open: number) => boolean, timeoutMs?: number): Promise<void>;
}

export function countWatches(db: Conclave): WatchCounter {
  const opened = new Set<Watch>();
  const changes = new EventEmitter();
  const watch: Conclave['watch'] = async (options) => {
    const created = await db.watch(options);
    const cancel = created.cancel.bind(created);
    opened.add(created);
    changes.emit('change');
    created.cancel = () => {
      cancel();
      if (opened.delete(created)) changes.emit('change');
    };
    return created;
  };
  const counted = new Proxy(db, {
    get(target, property) {
      if (property === 'watch') return watch;
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
  return {
    db: counted,
    open: () => opened.size,
    async until(predicate, timeoutMs = 30_000) {
      const deadline = AbortSignal.timeout(timeoutMs);
      while (!predicate(opened.size)) await once(changes, 'change', { signal: deadline });
    },
  };
}
