/** Which runtime events a member logs, and that each line says what failed and why. */
import t from 'tap';
import { ActorFailedError } from '../../runtime/index.ts';
import { runtimeEventText } from '../../src/embedded/runtime-event-text.ts';

const failure = new ActorFailedError({ actor: 'raft', causeName: 'Error', causeMessage: 'invariant: something broke' });

t.test('failures, escalations and dead threads are logged with their reason', async (t) => {
  t.equal(runtimeEventText({ type: 'actor-failed', actor: 'raft', thread: 0, error: failure }), 'actor "raft" failed: Error: invariant: something broke');
  t.match(
    runtimeEventText({ type: 'actor-escalated', actor: 'log-writer', thread: 0, restartsInWindow: 3, error: failure }),
    /actor "log-writer" stopped for good after 3 restarts: .*the member cannot serve until it is restarted/,
  );
  t.match(runtimeEventText({ type: 'actor-restarted', actor: 'applier', thread: 1, reason: 'crash', attempt: 2, delayMs: 100 }), /restarted after a crash \(attempt 2, after 100 ms\)/);
  t.match(runtimeEventText({ type: 'thread-died', thread: 1, reason: 'exit code 7', actors: ['raft', 'applier'] }), /worker thread 1 died \(exit code 7\); its actors: raft, applier/);
  t.match(runtimeEventText({ type: 'thread-lost', thread: 2, reason: 'boot timed out' }), /could not be replaced: boot timed out/);
});

t.test('routine events are not logged', async (t) => {
  t.equal(runtimeEventText({ type: 'actor-restarted', actor: 'applier', thread: 1, reason: 'requested', attempt: 0, delayMs: 0 }), null);
  t.equal(runtimeEventText({ type: 'thread-replaced', thread: 1, incarnation: 2 }), null);
  t.equal(runtimeEventText({ type: 'actor-stopped', actor: 'x', thread: 0, reason: 'requested', discardedMessages: 0, rejectedAsks: 0 }), null);
});
