/**
 * The peer transport actor: a thin shell around PeerTransport. Inbound Raft
 * messages go to the local 'raft' actor as one 'peer-batch' per socket read,
 * and a peer's word that the cluster removed this member as a 'removal-notice';
 * allowed calls become asks to the named local actor; a joining member's
 * discover is answered from the applier's member table. Its log lines go to
 * stderr prefixed with the member, where the member's own logs go.
 *
 * It must never block its thread on I/O and never interpret Raft messages.
 */
import { defineActor, matchType, type ActorContext } from '../../runtime/index.ts';
import type { MemberRecord } from '../member/member-info.ts';
import { ActorNames } from '../member/names.ts';
import { PeerTransport } from './peer-transport.ts';
import type { TransportArgs } from './transport-args.ts';
import { memberName, type TransportLog } from './transport-log.ts';
import type { InboundPeerMessages, RemovalNotice, TransportMessage } from './transport-messages.ts';

export type { TransportArgs } from './transport-args.ts';

export const transportActor = defineActor<TransportMessage, TransportArgs>(async (args, ctx) => {
  const log: TransportLog = (level, message) => {
    const line = `conclave member ${memberName(args.memberId)} peer transport: ${message}`;
    if (level === 'warn') console.warn(line);
    else console.info(line);
  };
  const transport = await PeerTransport.start(args, {
    log,
    deliver: (messages) => {
      const batch: InboundPeerMessages = { type: 'peer-batch', messages };
      try {
        ctx.lookup<InboundPeerMessages>(ActorNames.raft).send(batch);
      } catch (error) {
        // No raft actor (yet, or restarting): Raft tolerates the loss.
        log('warn', `dropped ${messages.length} inbound messages: ${error instanceof Error ? error.message : String(error)}`);
      }
    },
    runCall: (actor, message, timeoutMs) => ctx.lookup(actor).ask(message, { timeoutMs }),
    listMembers: async (timeoutMs) => {
      const members = await ctx.lookup<{ readonly type: 'members' }>(ActorNames.applier).ask<readonly MemberRecord[]>({ type: 'members' }, { timeoutMs });
      return members.map(({ id, name, peerUrls, isLearner }) => ({ id, name, peerUrls, isLearner }));
    },
    onRemoved: (by) => {
      try {
        ctx.lookup<RemovalNotice>(ActorNames.raft).send({ type: 'removal-notice', by });
      } catch (error) {
        // No raft actor right now: the next peer this member reaches tells it again.
        log('warn', `could not hand the removal notice to the raft actor: ${error instanceof Error ? error.message : String(error)}`);
      }
    },
  });

  return matchType<TransportMessage>({
    send: (message) => transport.send(message.messages),
    call: (message, context: ActorContext<TransportMessage>) => {
      const replier = context.deferReply<unknown>();
      void transport.call(message.to, message.call, message.timeoutMs).then((reply) => replier.resolve(reply));
    },
    'set-peers': (message) => transport.setPeers(message.peers),
    'set-removed': (message) => transport.setRemoved(message.ids),
    status: () => transport.status(),
    close: () => transport.close(),
  });
});
