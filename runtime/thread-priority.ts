/**
 * Lowers the OS scheduling priority of the calling thread only.
 *
 * Why: an embedding application's main thread and the actor workers share the
 * machine's cores. When they are all busy (a small machine, a host doing its
 * own work, other processes), the kernel shares CPU evenly, so the host's
 * event loop waits behind the workers for whole scheduler slices: on the
 * 2-core bench machine under 256 put callers the host thread spent most of
 * its delayed turns waiting for a CPU rather than running (measured from
 * /proc/self/task/<tid>/schedstat). A worker at a higher nice value still gets
 * every idle CPU, but yields to the host when the two compete.
 *
 * Linux only: there setpriority(2) on a thread id applies to that thread
 * alone. Elsewhere it would renice the whole process (host included), which
 * defeats the point, so the request is reported as unsupported instead.
 * Never raises priority (negative nice needs privileges and would starve the
 * host instead).
 */
import { readlinkSync } from 'node:fs';
import { getPriority, setPriority } from 'node:os';

/** The highest nice value Linux accepts (the lowest priority). */
export const NICE_MAX = 19;

export type NiceOutcome =
  | { readonly applied: true; readonly threadId: number; readonly nice: number }
  | { readonly applied: false; readonly reason: string };

/** The kernel's id of the calling thread (Linux: /proc/thread-self links to <pid>/task/<tid>). */
export function ownThreadId(): number | null {
  if (process.platform !== 'linux') return null;
  try {
    const threadId = Number(readlinkSync('/proc/thread-self').split('/').pop());
    return Number.isSafeInteger(threadId) && threadId > 0 ? threadId : null;
  } catch {
    return null; // /proc not mounted (some containers)
  }
}

/** Sets the calling thread's nice value to `nice` (0..19); 0 leaves the thread as it is. */
export function setOwnThreadNice(nice: number): NiceOutcome {
  if (!Number.isSafeInteger(nice) || nice < 0 || nice > NICE_MAX) throw new RangeError(`nice must be an integer in [0, ${NICE_MAX}], got ${nice}`);
  if (nice === 0) return { applied: false, reason: 'nice 0 asks for no change' };
  const threadId = ownThreadId();
  if (threadId === null) return { applied: false, reason: `per-thread priority needs Linux with /proc (platform ${process.platform})` };
  try {
    setPriority(threadId, nice);
  } catch (error) {
    return { applied: false, reason: `setpriority(${threadId}, ${nice}) failed: ${(error as Error).message}` };
  }
  return { applied: true, threadId, nice: getPriority(threadId) };
}
