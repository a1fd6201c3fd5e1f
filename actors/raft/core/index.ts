/**
 * The Raft core's public entry point: the node, its vocabulary, its errors
 * and the conf-change entry codec. Everything else in this folder is an
 * internal unit of the core.
 */
export { RaftNode } from './raft-node.ts';
export type { ProgressStatus, RaftStatus } from './raft-node.ts';
export type { RaftOptions } from './options.ts';
export { decodeConfChange, encodeConfChange } from './conf-change-codec.ts';
export type { ConfChangeRecord } from './conf-change-codec.ts';
export * from './errors.ts';
export * from './types.ts';
