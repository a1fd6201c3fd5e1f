/** The offload variant of bench/snapshot/main.ts: encodes a member state on a piscina worker. */
import { encodeMemberState, type MemberState } from '../../actors/applier/state-snapshot.ts';

export function encodeOffloaded(state: MemberState): Uint8Array {
  return encodeMemberState(state);
}
