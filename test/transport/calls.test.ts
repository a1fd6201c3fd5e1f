import { EventEmitter } from 'node:events';
import t, { type Test } from 'tap';
import { AskTimeoutError } from '../../runtime/index.ts';
import { CallTable, callFailure } from '../../actors/transport/call-table.ts';
import type { TransportHooks } from '../../actors/transport/peer-transport.ts';
import { startMember, startPair, waitFor, type TestMember } from './helpers.ts';

const callTargets = { kv: ['get', 'slow', 'broken', 'ask-timeout'] };

/** Member 1 serves 'kv'; `slow` calls wait until the test releases them. */
async function callPair(t: Test): Promise<{ caller: TestMember; callee: TestMember; ran: string[]; running: EventEmitter; releaseSlow: () => void }> {
  const ran: string[] = [];
  const running = new EventEmitter();
  let releaseSlow = () => {};
  const slow = new Promise<string>((resolve) => (releaseSlow = () => resolve('late')));
  const runCall: TransportHooks['runCall'] = async (actor, message, timeoutMs) => {
    ran.push(`${actor}.${message.type}`);
    running.emit('call', message.type);
    if (message.type === 'slow') return slow;
    if (message.type === 'broken') throw new Error('the actor crashed');
    if (message.type === 'ask-timeout') throw new AskTimeoutError({ actor, timeoutMs });
    return { value: `got ${String(message['key'])}` };
  };
  const [callee, caller] = await startPair({ callTargets, runCall });
  t.teardown(() => {
    releaseSlow();
    return Promise.all([callee.transport.close(), caller.transport.close()]);
  });
  return { caller, callee, ran, running, releaseSlow };
}

t.test('a call runs on the remote actor and its reply comes back', async (t) => {
  const { caller, ran } = await callPair(t);
  t.same(await caller.transport.call(1, { actor: 'kv', message: { type: 'get', key: 'a' } }, 5_000), { value: 'got a' });
  t.same(ran, ['kv.get']);
});

t.test('calls outside the allow-list are refused before any actor sees them', async (t) => {
  const { caller, ran } = await callPair(t);
  t.match(await caller.transport.call(1, { actor: 'raft', message: { type: 'get' } }, 5_000), { callFailed: true, reason: 'refused', message: /actor "raft" does not accept calls/ });
  t.match(await caller.transport.call(1, { actor: 'kv', message: { type: 'delete' } }, 5_000), { callFailed: true, reason: 'refused', message: /does not accept "delete" calls/ });
  t.same(ran, []);
});

t.test('a remote failure comes back as a CallFailure value', async (t) => {
  const { caller } = await callPair(t);
  t.match(await caller.transport.call(1, { actor: 'kv', message: { type: 'broken' } }, 5_000), { callFailed: true, reason: 'refused', message: 'the actor crashed' });
  t.match(await caller.transport.call(1, { actor: 'kv', message: { type: 'ask-timeout' } }, 5_000), { callFailed: true, reason: 'timeout' });
});

t.test('a call with no reply times out; the late reply is ignored', async (t) => {
  const { caller, callee, releaseSlow } = await callPair(t);
  const started = Date.now();
  t.match(await caller.transport.call(1, { actor: 'kv', message: { type: 'slow' } }, 200), { callFailed: true, reason: 'timeout', message: /got no reply within 200 ms/ });
  t.ok(Date.now() - started >= 190, 'not before its timeout');
  releaseSlow();
  // The late reply travels the same link as the next answer: once that answer is in, the late one was seen (and ignored).
  t.same(await caller.transport.call(1, { actor: 'kv', message: { type: 'get', key: 'b' } }, 5_000), { value: 'got b' });
  t.same(callee.logs.filter((line) => line.startsWith('warn')), []);
});

t.test('an unreachable peer fails calls fast, not after their timeout', async (t) => {
  const caller = await startMember({ memberId: 2, peers: [{ id: 1, peerUrls: ['http://127.0.0.1:1'] }], reconnectBackoffMinMs: 5_000, reconnectBackoffMaxMs: 5_000 });
  t.teardown(() => caller.transport.close());
  const started = Date.now();
  t.match(await caller.transport.call(1, { actor: 'kv', message: { type: 'get' } }, 30_000), { callFailed: true, reason: 'unreachable' });
  t.ok(Date.now() - started < 5_000, `the first call failed when the dial did (${Date.now() - started} ms)`);
  t.match(await caller.transport.call(1, { actor: 'kv', message: { type: 'get' } }, 30_000), { callFailed: true, reason: 'unreachable', message: /unreachable .*retrying/ });
  t.match(await caller.transport.call(7, { actor: 'kv', message: { type: 'get' } }, 30_000), { callFailed: true, reason: 'unreachable', message: /not a known peer/ });
});

t.test('close answers waiting calls with closed', async (t) => {
  const { caller, running } = await callPair(t);
  const started = waitFor(running, 'call', (type: string) => type === 'slow');
  const pending = caller.transport.call(1, { actor: 'kv', message: { type: 'slow' } }, 30_000);
  await started;
  await caller.transport.close();
  t.match(await pending, { callFailed: true, reason: 'closed' });
  t.match(await caller.transport.call(1, { actor: 'kv', message: { type: 'get' } }, 1_000), { callFailed: true, reason: 'closed' });
});

t.test('the call table: one settlement per call, unknown IDs ignored, bounded', async (t) => {
  const table = new CallTable(2);
  const a = table.open(10_000, 'a');
  const b = table.open(10_000, 'b');
  t.equal(table.open(10_000, 'c'), null, 'full');
  if (a === null || b === null) throw new Error('the table refused a call below its bound');
  t.equal(table.settle(a.callId, 'first'), true);
  t.equal(table.settle(a.callId, 'second'), false, 'a second answer is ignored');
  t.equal(table.settle(999, 'stray'), false, 'an unknown ID is ignored');
  table.failAll(callFailure('closed', 'bye'));
  t.equal(await a.reply, 'first');
  t.match(await b.reply, { reason: 'closed' });
  t.equal(table.size, 0);
});

t.test('a reply still arrives after the callee left the membership mid-call', async (t) => {
  const { caller, running, releaseSlow } = await callPair(t);
  const started = new Promise((resolve) => running.once('call', resolve));
  const reply = caller.transport.call(1, { actor: 'kv', message: { type: 'slow' } }, 5_000);
  await started;
  caller.transport.setPeers([]);
  releaseSlow();
  t.equal(await reply, 'late', 'the retired link stayed open for the answer');
});
