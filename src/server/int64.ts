/**
 * int64/uint64 wire values (decoded as decimal strings by the proto loader)
 * to the JS numbers the embedded API uses. Conclave mints revisions and IDs
 * below 2^53, so a value outside the safe range cannot name anything that
 * exists: it is refused with InvalidArgument instead of being rounded into a
 * different, possibly existing, ID.
 *
 * Never: use Number() on an ID without this check (2^53 + 1 rounds to 2^53).
 */
import { conclaveErrors } from './errors.ts';

type WireInt64 = string | number | null | undefined;

/** Any safe integer (negative revisions and limits mean "unset" in etcd). */
export function int64ToNumber(value: WireInt64, field: string): number {
  if (value === null || value === undefined || value === '') return 0;
  const number = typeof value === 'number' ? value : Number(value);
  if (!Number.isSafeInteger(number)) throw conclaveErrors.idOutOfRange(field, String(value));
  return number;
}

/** A lease or member ID: a safe integer that is not negative. */
export function idToNumber(value: WireInt64, field: string): number {
  const id = int64ToNumber(value, field);
  if (id < 0) throw conclaveErrors.idOutOfRange(field, String(value));
  return id;
}
