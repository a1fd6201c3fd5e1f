/**
 * Short, stable text for Raft messages and entries in the trace. Stable
 * matters: the trace hash is how replay is verified, so nothing here may
 * depend on object identity or iteration order that a seed does not fix.
 */
import type { Entry, Message, NodeId } from '../../../actors/raft/core/types.ts';

export const nodeName = (id: NodeId): string => `n${id}`;

function entryRange(entries: readonly Entry[]): string {
  if (entries.length === 0) return '[]';
  const first = entries[0]!;
  const last = entries[entries.length - 1]!;
  return first === last ? `[${first.index}@${first.term}]` : `[${first.index}@${first.term}..${last.index}@${last.term}]`;
}

function bytes(data: Uint8Array | null): string {
  return data === null ? '-' : `${data.length}B`;
}

export function describeMessage(message: Message): string {
  const head = `${nodeName(message.from)}->${nodeName(message.to)} ${message.type} t${message.term}`;
  switch (message.type) {
    case 'vote':
      return `${head}${message.pre ? ' pre' : ''}${message.transfer ? ' transfer' : ''} last=${message.lastIndex}@${message.lastTerm}`;
    case 'vote-response':
      return `${head}${message.pre ? ' pre' : ''} ${message.granted ? 'granted' : 'rejected'}`;
    case 'append':
      return `${head} prev=${message.prevIndex}@${message.prevTerm} ents=${entryRange(message.entries)} commit=${message.commit}`;
    case 'append-response':
      return `${head} ${message.success ? 'ok' : 'reject'} index=${message.index} hint=${message.hintIndex}@${message.hintTerm}`;
    case 'heartbeat':
      return `${head} commit=${message.commit} ctx=${bytes(message.context)}`;
    case 'heartbeat-response':
      return `${head} ctx=${bytes(message.context)}`;
    case 'snapshot':
      return `${head} snap=${message.snapshot.meta.index}@${message.snapshot.meta.term} voters=${message.snapshot.meta.conf.voters.join(',')}`;
    case 'timeout-now':
      return head;
    case 'propose':
      return `${head} ents=${message.entries.length}`;
    case 'read-index':
      return `${head} ctx=${bytes(message.context)}`;
    case 'read-index-response':
      return `${head} index=${message.index} ctx=${bytes(message.context)}`;
  }
}

