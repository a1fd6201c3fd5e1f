/**
 * The raft actor's 'await-removal' long poll: how the host hears at once
 * that its member was removed, instead of polling the status.
 */
import t from 'tap';
import type { RaftActorStatus } from '../../actors/raft/raft-actor.ts';
import { freshDir, memberOptions, startMember } from './helpers.ts';

const askTimeoutMs = 10_000;
/** Far beyond what the test waits: a wait answered sooner was answered by the event. */
const longWaitMs = 5 * 60_000;

t.test('a waiting host is answered the moment a peer says the cluster removed the member, and the status says so', async (t) => {
  const member = await startMember(memberOptions(await freshDir(t)));
  t.teardown(() => member.system.shutdown());
  const waiting = member.raft.ask<boolean>({ type: 'await-removal', maxWaitMs: longWaitMs }, { timeoutMs: askTimeoutMs });
  t.equal((await member.raft.ask<RaftActorStatus>({ type: 'status' })).removed, false, 'not removed before the notice');
  member.raft.send({ type: 'removal-notice', by: 9 });
  t.equal(await waiting, true);
  t.equal((await member.raft.ask<RaftActorStatus>({ type: 'status' })).removed, true);
  t.equal(await member.raft.ask<boolean>({ type: 'await-removal', maxWaitMs: longWaitMs }, { timeoutMs: askTimeoutMs }), true, 'a later wait is answered at once');
});

t.test('a wait with nothing to report ends after maxWaitMs, and closing the member ends the others', async (t) => {
  const member = await startMember(memberOptions(await freshDir(t)));
  t.teardown(() => member.system.shutdown());
  t.equal(await member.raft.ask<boolean>({ type: 'await-removal', maxWaitMs: 50 }, { timeoutMs: askTimeoutMs }), false, 'not removed');
  const waiting = member.raft.ask<boolean>({ type: 'await-removal', maxWaitMs: longWaitMs }, { timeoutMs: askTimeoutMs });
  await member.raft.ask({ type: 'close' });
  t.equal(await waiting, false, 'answered when the raft actor closes');
  await t.rejects(member.raft.ask({ type: 'await-removal', maxWaitMs: 0 }), /maxWaitMs must be in/, 'a wait must be bounded');
});
