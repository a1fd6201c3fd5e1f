/**
 * Asks an actor on another member through the peer transport and turns the
 * transport's failures into the refusals etcd gives a client in the same
 * situation. Used to forward what only the leader can do (proposals from a
 * follower, lease keep-alives) without the caller knowing where the leader is.
 */
import type { ActorRef } from '../../runtime/index.ts';
import { refused, type Outcome, type Refusal } from '../member/outcome.ts';
import type { NodeId } from '../raft/core/types.ts';
import type { CallFailure, RemoteCall, TransportMessage } from './transport-messages.ts';

/** Room for the transport's own answer after the remote side gave up. */
const ASK_MARGIN_MS = 1_000;

/**
 * The call never left this member (no link to the leader, or it is redialing):
 * nothing ran there, so the caller may safely try again once a leader is
 * reachable. Compared by identity.
 */
export const undelivered: Refusal = { grpcCode: 14, message: 'etcdserver: leader changed' };
const refusedByPeer: Refusal = { grpcCode: 14, message: 'etcdserver: leader changed' };
const timedOut: Refusal = { grpcCode: 14, message: 'etcdserver: request timed out' };
const stopped: Refusal = { grpcCode: 14, message: 'etcdserver: server stopped' };

function isCallFailure(value: unknown): value is CallFailure {
  return typeof value === 'object' && value !== null && (value as { callFailed?: unknown }).callFailed === true;
}

function refusalOf(failure: CallFailure): Refusal {
  switch (failure.reason) {
    case 'timeout':
      return timedOut;
    case 'closed':
      return stopped;
    case 'unreachable':
      return undelivered;
    case 'refused':
      return refusedByPeer;
  }
}

export async function callMember<T>(
  transport: ActorRef<TransportMessage>,
  to: NodeId,
  call: RemoteCall,
  timeoutMs: number,
): Promise<Outcome<T>> {
  const answer = await transport.ask<unknown>({ type: 'call', to, call, timeoutMs }, { timeoutMs: timeoutMs + ASK_MARGIN_MS });
  if (isCallFailure(answer)) return refused(refusalOf(answer));
  return answer as Outcome<T>;
}
