import t from 'tap';
import { status } from '@grpc/grpc-js';
import { ClosedError, ConclaveError } from '../../src/embedded/errors.ts';
import { AskTimeoutError, MailboxFullError } from '../../runtime/index.ts';
import { conclaveErrors, toServiceError } from '../../src/server/errors.ts';
import { idToNumber, int64ToNumber } from '../../src/server/int64.ts';

const statusOf = (error: unknown) => {
  const { code, details } = toServiceError(error);
  return { code, details };
};

t.test('refusals keep etcd\'s code and text; runtime failures take etcd\'s names', async (t) => {
  t.same(statusOf(new ConclaveError({ grpcCode: 11, message: 'etcdserver: mvcc: required revision has been compacted' })), {
    code: status.OUT_OF_RANGE,
    details: 'etcdserver: mvcc: required revision has been compacted',
  });
  t.same(statusOf(new AskTimeoutError({ actor: 'raft', timeoutMs: 5000 })), { code: status.UNAVAILABLE, details: 'etcdserver: request timed out' });
  t.same(statusOf(new MailboxFullError({ actor: 'raft', limitMessages: 10 })), {
    code: status.RESOURCE_EXHAUSTED,
    details: 'etcdserver: too many requests',
  });
  t.same(statusOf(new ClosedError()), { code: status.UNAVAILABLE, details: 'etcdserver: server stopped' }, 'a call racing shutdown');
  t.same(statusOf(new Error('boom')), { code: status.UNKNOWN, details: 'boom' }, 'anything else is Unknown, as etcd');
  t.equal(statusOf(conclaveErrors.notSupported('Snapshot')).code, status.UNIMPLEMENTED);
});

/** The gRPC code `work` refused with, or null when it did not throw. */
function refusedWith(work: () => unknown): number | null {
  try {
    work();
  } catch (error) {
    return (error as { grpcCode: number }).grpcCode;
  }
  return null;
}

t.test('int64 wire values: exact below 2^53, refused beyond, never rounded', async (t) => {
  t.equal(int64ToNumber('9007199254740991', 'revision'), 9_007_199_254_740_991);
  t.equal(int64ToNumber('-1', 'revision'), -1, 'negative revisions mean "unset" in etcd');
  t.equal(int64ToNumber(undefined, 'revision'), 0);
  t.equal(refusedWith(() => int64ToNumber('9007199254740993', 'revision')), status.INVALID_ARGUMENT);
  t.equal(refusedWith(() => idToNumber('-5', 'ID')), status.INVALID_ARGUMENT, 'IDs are not negative');
  t.equal(idToNumber('1771927466', 'ID'), 1_771_927_466);
  t.equal(refusedWith(() => idToNumber('694d77aa', 'ID')), status.INVALID_ARGUMENT, 'not a decimal integer');
});
