/**
 * The actors of the ping-pong example: a pinger that plays a number of rounds
 * against a ponger and answers the "play" ask once the last pong is back.
 * Each message carries the ref to reply to, so the pair works the same on one
 * thread or two.
 */
import { defineActor, matchType, type ActorRef, type Replier } from '../index.ts';

export type PongerMessage = { readonly type: 'ping'; readonly round: number; readonly replyTo: ActorRef<PingerMessage> };

export type PingerMessage =
  | { readonly type: 'play'; readonly rounds: number; readonly opponent: ActorRef<PongerMessage> }
  | { readonly type: 'pong'; readonly round: number; readonly thread: number };

export interface MatchResult {
  readonly rounds: number;
  readonly pingerThread: number;
  readonly pongerThread: number;
}

export const ponger = defineActor<PongerMessage, undefined>(() =>
  matchType<PongerMessage>({
    ping: (message, ctx) => message.replyTo.send({ type: 'pong', round: message.round, thread: ctx.threadIndex }),
  }),
);

export const pinger = defineActor<PingerMessage, undefined>(() => {
  let match: { rounds: number; opponent: ActorRef<PongerMessage>; replier: Replier<MatchResult> } | undefined;
  return matchType<PingerMessage>({
    play: (message, ctx) => {
      if (match !== undefined) throw new Error('a match is already being played');
      if (!Number.isSafeInteger(message.rounds) || message.rounds < 1) throw new RangeError('rounds must be a positive integer');
      match = { rounds: message.rounds, opponent: message.opponent, replier: ctx.deferReply<MatchResult>() };
      message.opponent.send({ type: 'ping', round: 1, replyTo: ctx.self });
    },
    pong: (message, ctx) => {
      if (match === undefined) throw new Error(`pong ${message.round} arrived outside a match`);
      if (message.round < match.rounds) {
        match.opponent.send({ type: 'ping', round: message.round + 1, replyTo: ctx.self });
        return;
      }
      match.replier.resolve({ rounds: message.round, pingerThread: ctx.threadIndex, pongerThread: message.thread });
      match = undefined;
    },
  });
});
