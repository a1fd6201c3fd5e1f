/**
 * The sequential specification of a map of registers with put, get and
 * compare-and-set. Keys are independent, so the history is partitioned by
 * key and each key is a single register (absent = null).
 */
import { ILLEGAL } from './types.ts';
import type { Illegal, Model, Operation, Partition } from './types.ts';

export type KvInput =
  | { readonly kind: 'put'; readonly key: string; readonly value: string }
  | { readonly kind: 'get'; readonly key: string }
  /** `expected: null` means "only if the key is absent". */
  | { readonly kind: 'cas'; readonly key: string; readonly expected: string | null; readonly value: string };

export type KvOutput =
  | { readonly kind: 'put' }
  | { readonly kind: 'get'; readonly value: string | null }
  | { readonly kind: 'cas'; readonly ok: boolean };

export type KvOperation = Operation<KvInput, KvOutput>;

/** One key's register. */
type Register = string | null;

function expectKind(input: KvInput, output: KvOutput): void {
  if (input.kind !== output.kind) throw new TypeError(`a ${input.kind} operation cannot have a ${output.kind} output`);
}

function step(value: Register, input: KvInput, output: KvOutput | null): Register | Illegal {
  if (output !== null) expectKind(input, output);
  switch (input.kind) {
    case 'put':
      return input.value;
    case 'get':
      if (output === null) return value;
      return output.kind === 'get' && output.value === value ? value : ILLEGAL;
    case 'cas': {
      const matches = value === input.expected;
      if (output === null) return matches ? input.value : value;
      const ok = output.kind === 'cas' && output.ok;
      if (ok !== matches) return ILLEGAL;
      return ok ? input.value : value;
    }
  }
}

function describeOutput(output: KvOutput): string {
  switch (output.kind) {
    case 'put':
      return 'ok';
    case 'get':
      return output.value === null ? 'absent' : JSON.stringify(output.value);
    case 'cas':
      return output.ok ? 'ok' : 'fail';
  }
}

function describeInput(input: KvInput): string {
  switch (input.kind) {
    case 'put':
      return `put(${input.key}, ${JSON.stringify(input.value)})`;
    case 'get':
      return `get(${input.key})`;
    case 'cas':
      return `cas(${input.key}, ${input.expected === null ? 'absent' : JSON.stringify(input.expected)} -> ${JSON.stringify(input.value)})`;
  }
}

export const kvModel: Model<Register, KvInput, KvOutput> = {
  init: () => null,
  step,
  stateKey: (value) => (value === null ? '' : `=${value}`),
  isReadOnly: (input) => input.kind === 'get',
  partition(operations: readonly KvOperation[]): Partition<KvInput, KvOutput>[] {
    const byKey = new Map<string, KvOperation[]>();
    for (const operation of operations) {
      const list = byKey.get(operation.input.key);
      if (list === undefined) byKey.set(operation.input.key, [operation]);
      else list.push(operation);
    }
    return [...byKey.entries()]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([key, ops]) => ({ label: key, operations: ops }));
  },
  describe(operation: KvOperation): string {
    const response = operation.response;
    const outcome = response === null ? 'pending' : `${describeOutput(response.output)} @${response.returnAt}`;
    return `client ${operation.client}: ${describeInput(operation.input)} @${operation.callAt} -> ${outcome}`;
  },
};
