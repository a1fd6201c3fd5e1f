/**
 * Many writes fast, outside the recorded history: used to push the log past
 * --snapshot-count (and past the entries a leader keeps for slow followers)
 * while a member is down, so it can only catch up from a snapshot. Keys are
 * under their own prefix so they never touch the checked key space.
 */
import { MemberClient } from './member-client.ts';

const callTimeoutMs = 5_000;

/** Writes `count` puts with up to `inFlight` outstanding to `endpoint`; throws on the first failure. */
export async function bulkWrite(endpoint: string, count: number, inFlight: number, keyPrefix: string): Promise<void> {
  if (!(count > 0) || !(inFlight > 0)) throw new RangeError('count and inFlight must be positive');
  const client = new MemberClient(endpoint);
  let next = 0;
  const worker = async (): Promise<void> => {
    for (let i = next++; i < count; i = next++) await client.put(`${keyPrefix}${i % 100}`, `${i}`, callTimeoutMs);
  };
  try {
    await Promise.all(Array.from({ length: inFlight }, worker));
  } finally {
    client.close();
  }
}
