/**
 * The raft actor around a new leader and a commit: what it sends and applies,
 * and when, with stand-ins for the actors around it (fixtures/raft-actor-stage.ts).
 * - A proposal held while no leader was known goes out in the new leader's
 *   first append, with its no-op, not one round trip later.
 * - Committed entries already durable are applied without waiting for the
 *   write of entries proposed after them.
 */
import t from 'tap';
import type { Message } from '../../actors/raft/core/types.ts';
import { stage, startRaft, until } from './fixtures/raft-actor-stage.ts';

/** A safety net only: every wait below ends on an event. */
const waitMs = 5_000;
const bytes = (text: string): Uint8Array => new TextEncoder().encode(text);

function sentTo(to: number, type: Message['type']): Message[] {
  return stage.sent.filter((message) => message.to === to && message.type === type);
}

t.test("a proposal held while there was no leader rides in the new leader's first append", async (t) => {
  const raft = await startRaft(t, { voters: [1, 2], hasTransport: true, heartbeatIntervalMs: 10, electionTimeoutMs: 100 });
  const held = raft.ask({ type: 'propose', data: bytes('held') });
  for (const pre of [true, false]) {
    await until(() => sentTo(2, 'vote').some((m) => m.type === 'vote' && m.pre === pre), waitMs, `a ${pre ? 'pre-' : ''}vote request`);
    const request = sentTo(2, 'vote').find((m) => m.type === 'vote' && m.pre === pre);
    if (request === undefined) throw new Error('unreachable');
    raft.send({ type: 'peer-batch', messages: [{ type: 'vote-response', from: 2, to: 1, term: request.term, pre, granted: true }] });
  }
  await until(() => sentTo(2, 'append').length > 0, waitMs, 'the first append');
  const [first] = sentTo(2, 'append');
  if (first?.type !== 'append') throw new Error('unreachable');
  t.same(
    first.entries.map((entry) => new TextDecoder().decode(entry.data)),
    ['', 'held'],
    "the leader's no-op and the held proposal leave together",
  );
  void held.catch(() => {});
});

t.test('a committed entry is applied while the write of a later proposal is still going on', async (t) => {
  const raft = await startRaft(t, {});
  await until(() => stage.applied.includes(1), waitMs, "the lone member's no-op to apply");
  stage.holdWrites = true;
  const first = raft.ask({ type: 'propose', data: bytes('first') });
  await until(() => stage.heldWrites.length === 1, waitMs, 'the write of the first proposal');
  const second = raft.ask({ type: 'propose', data: bytes('second') });
  stage.heldWrites[0]?.release();
  await until(() => stage.heldWrites.length === 2, waitMs, 'the write of the second proposal');
  t.same(stage.heldWrites[1]?.entryIndexes, [3], 'the second proposal is being written');
  await until(() => stage.applied.includes(2), waitMs, 'the first proposal to apply');
  t.same(stage.applied, [1, 2], 'applied before the second write finished');
  stage.holdWrites = false;
  stage.heldWrites[1]?.release();
  t.match(await first, { ok: true });
  t.match(await second, { ok: true });
});
