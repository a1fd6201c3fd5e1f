/** The lease wheel's public API (pure logic; the actor shell wraps it). */
export { Lessor } from './lessor.ts';
export type { LessorOptions, GrantResult, KeepAliveResult, TimeToLive, LeaseCheckpoint, PersistedLease, TickResult } from './lessor.ts';
export { TimerWheel } from './timer-wheel.ts';
export type { TimerHandle, TimerWheelOptions } from './timer-wheel.ts';
export { LeaseError } from './errors.ts';
export type { LeaseErrorCode } from './errors.ts';
export { MAX_LEASE_TTL_SECONDS, minLeaseTtlSeconds } from './lease-ttl.ts';
export type { RandomSource } from './lease-id.ts';
