import t from 'tap';
import { MessageEncodeError, RingConfigError, RingReceiver, RingSender, allocateRing } from '../../../runtime/ring/index.ts';
import { RING_HEADER_BYTES } from '../../../runtime/ring/layout.ts';
import { collect } from './same-thread-link.ts';

t.test('allocateRing() accepts powers of two from 64 B to 1 GiB and says what is wrong otherwise', async (t) => {
  t.equal(allocateRing(64).byteLength, RING_HEADER_BYTES + 64, '64 B of data after the header');
  t.equal(allocateRing(2 ** 20).byteLength, RING_HEADER_BYTES + 2 ** 20, '1 MiB of data after the header');
  for (const bad of [0, 32, 100, 1000.5, -256, 2 ** 31, Number.NaN]) {
    t.throws(() => allocateRing(bad), RingConfigError, `capacity ${bad}`);
  }
  t.throws(() => allocateRing(256, { maxMessageBytes: 0 }), RingConfigError, 'maxMessageBytes 0');
  t.throws(() => allocateRing(256, { maxMessageBytes: 2 ** 31 }), RingConfigError, 'maxMessageBytes above 1 GiB');
});

t.test('an end refuses memory that is not a ring', async (t) => {
  t.throws(() => new RingSender(new SharedArrayBuffer(4096)), RingConfigError, 'no ring header');
  t.throws(() => new RingReceiver(new ArrayBuffer(4096) as unknown as SharedArrayBuffer), RingConfigError, 'not shared');
  const damaged = allocateRing(256);
  new Int32Array(damaged)[2] = 512; // header says 512 data bytes, buffer holds 256
  t.throws(() => new RingSender(damaged), RingConfigError, 'capacity word disagrees with the buffer');
});

t.test('a ring has one sender and one receiver for life', async (t) => {
  const ring = allocateRing(256);
  const sender = new RingSender(ring);
  t.throws(() => new RingSender(ring), RingConfigError, 'second sender');
  sender.close();
  t.throws(() => new RingSender(ring), RingConfigError, 'not even after close()');
  const receiver = new RingReceiver(ring);
  t.throws(() => new RingReceiver(ring), RingConfigError, 'second receiver');
  receiver.stop();
});

t.test('a message msgpackr cannot encode is refused with MessageEncodeError, and the link goes on', async (t) => {
  const ring = allocateRing(256);
  const sender = new RingSender(ring);
  const receiver = new RingReceiver(ring);
  const received = collect(receiver);
  t.throws(() => sender.trySend(Symbol('not encodable')), MessageEncodeError);
  await t.rejects(sender.send({ inner: Symbol('not encodable') }), MessageEncodeError);
  t.ok(sender.trySend('fine'));
  await received.arrived(1);
  sender.close();
  receiver.stop();
  t.same(received.messages, ['fine']);
  t.equal(receiver.framesReceived, 1, 'nothing of the refused messages was written');
});
