/** The registered names of one member's actors: placement groups refer to them. */
export const ActorNames = {
  raft: 'raft',
  logWriter: 'log-writer',
  applier: 'applier',
  leaseWheel: 'lease-wheel',
  watchHub: 'watch-hub',
  transport: 'transport',
} as const;

export type ActorName = (typeof ActorNames)[keyof typeof ActorNames];
