/**
 * The callee's allow-list: which local actors a peer may ask, and with which
 * message types. A call outside it is refused before any actor sees it, so a
 * peer can never reach an actor (or a message) the member did not expose.
 */
export type CallTargets = Readonly<Record<string, readonly string[]>>;

/** null when allowed, else the reason for the refusal. */
export function refuseCallTarget(targets: CallTargets, actor: string, messageType: string): string | null {
  if (!Object.hasOwn(targets, actor)) return `actor "${actor}" does not accept calls from peers`;
  const types = targets[actor] ?? [];
  if (!types.includes(messageType)) return `actor "${actor}" does not accept "${messageType}" calls from peers`;
  return null;
}
