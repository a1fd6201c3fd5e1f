/**
 * The bytes of a 'conf-change' entry: the change asked for and the whole
 * membership it produces. Carrying the result makes every conf-change entry
 * self-describing, so a member replaying the log (after a restart, or a
 * new member catching up from index 1) adopts exactly the membership the
 * leader computed, without knowing the membership before it.
 *
 * Layout (little-endian): u8 version=1, u8 kind, f64 node,
 * u32 voterCount, f64 × voterCount, u32 learnerCount, f64 × learnerCount,
 * u32 contextLength, context bytes.
 * Must stay pure: no msgpackr, no Buffer (the core runs anywhere).
 */
import { invariant } from './errors.ts';
import type { ConfChange, ConfChangeKind, ConfState, NodeId } from './types.ts';

const VERSION = 1;
const KIND_CODES: Readonly<Record<ConfChangeKind, number>> = { 'add-voter': 1, 'add-learner': 2, remove: 3, update: 4 };
const KINDS: readonly (ConfChangeKind | undefined)[] = [undefined, 'add-voter', 'add-learner', 'remove', 'update'];

export interface ConfChangeRecord {
  readonly change: ConfChange;
  /** The membership this entry puts in force (from the moment a member holds it in its log). */
  readonly conf: ConfState;
}

export function encodeConfChange(record: ConfChangeRecord): Uint8Array {
  const { change, conf } = record;
  const context = change.context ?? new Uint8Array(0);
  const size = 2 + 8 + 4 + 8 * conf.voters.length + 4 + 8 * conf.learners.length + 4 + context.byteLength;
  const bytes = new Uint8Array(size);
  const view = new DataView(bytes.buffer);
  let at = 0;
  view.setUint8(at, VERSION);
  view.setUint8(at + 1, KIND_CODES[change.kind]);
  view.setFloat64(at + 2, change.node, true);
  at += 10;
  for (const ids of [conf.voters, conf.learners]) {
    view.setUint32(at, ids.length, true);
    at += 4;
    for (const id of ids) {
      view.setFloat64(at, id, true);
      at += 8;
    }
  }
  view.setUint32(at, context.byteLength, true);
  at += 4;
  bytes.set(context, at);
  return bytes;
}

export function decodeConfChange(data: Uint8Array): ConfChangeRecord {
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  invariant(data.byteLength >= 22 && view.getUint8(0) === VERSION, 'a conf-change entry must start with codec version 1');
  const kind = KINDS[view.getUint8(1)];
  invariant(kind !== undefined, 'a conf-change entry carries an unknown change kind');
  const node: NodeId = view.getFloat64(2, true);
  let at = 10;
  const lists: NodeId[][] = [];
  for (let list = 0; list < 2; list++) {
    const count = view.getUint32(at, true);
    at += 4;
    invariant(at + 8 * count <= data.byteLength, 'a conf-change entry is truncated');
    const ids: NodeId[] = [];
    for (let i = 0; i < count; i++, at += 8) ids.push(view.getFloat64(at, true));
    lists.push(ids);
  }
  const contextLength = view.getUint32(at, true);
  at += 4;
  invariant(at + contextLength === data.byteLength, 'a conf-change entry has a wrong context length');
  const context = data.slice(at, at + contextLength);
  const change: ConfChange = contextLength > 0 ? { kind, node, context } : { kind, node };
  return { change, conf: { voters: lists[0] ?? [], learners: lists[1] ?? [] } };
}
