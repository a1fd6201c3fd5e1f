/**
 * The member's runtime events an operator must see, as one log line each:
 * an actor that failed, restarted, was given up on (escalated), a worker
 * thread that died or could not be replaced, a broken link. Without them a
 * member whose raft actor failed answered "etcdserver: server stopped" with
 * nothing in its log to say why. Routine events (a requested restart, a
 * replaced thread, a refused fire-and-forget message) are left out.
 */
import type { SystemEvent } from '../../runtime/index.ts';

export function runtimeEventText(event: SystemEvent): string | null {
  switch (event.type) {
    case 'actor-failed':
      // An ActorFailedError names the actor already.
      return event.error.message.includes(`"${event.actor}"`) ? event.error.message : `actor "${event.actor}" failed: ${event.error.message}`;
    case 'actor-restarted':
      return event.reason === 'requested' ? null : `actor "${event.actor}" restarted after ${event.reason === 'crash' ? 'a crash' : 'its thread died'} (attempt ${event.attempt}, after ${event.delayMs} ms)`;
    case 'actor-escalated':
      return `actor "${event.actor}" stopped for good after ${event.restartsInWindow} restarts: ${event.error.message}; the member cannot serve until it is restarted`;
    case 'thread-died':
      return `worker thread ${event.thread} died (${event.reason}); its actors: ${event.actors.join(', ') || 'none'}`;
    case 'thread-lost':
      return `worker thread ${event.thread} could not be replaced: ${event.reason}`;
    case 'link-error':
      return `ring link from thread ${event.peer} to thread ${event.thread}: ${event.message}`;
    case 'stop-hook-failed':
      return `actor "${event.actor}": a stop hook failed: ${event.error.message}`;
    case 'actor-stopped':
    case 'message-rejected':
    case 'thread-replaced':
      return null;
  }
}
