/**
 * The fault-injection view of a local cluster's peer network: one PeerProxy
 * per member, and partitions expressed between member names. Only works when
 * a member's outbound peer connections come from its own 127.0.0.x address
 * (Conclave binds them to its listen host; etcd dials from 127.0.0.1, so its
 * senders cannot be told apart and partitioning it is refused, not faked).
 */
import type { PeerProxy } from './peer-proxy.ts';

export class PeerNetwork {
  readonly #proxies = new Map<string, PeerProxy>();
  /** null when partitions work; otherwise why not. */
  readonly #unsupportedReason: string | null;

  constructor(unsupportedReason: string | null) {
    this.#unsupportedReason = unsupportedReason;
  }

  attach(proxy: PeerProxy): void {
    if (this.#proxies.has(proxy.target)) throw new Error(`peer network: ${proxy.target} already has a proxy`);
    this.#proxies.set(proxy.target, proxy);
  }

  async detach(name: string): Promise<void> {
    const proxy = this.#proxies.get(name);
    if (proxy === undefined) return;
    this.#proxies.delete(name);
    await proxy.close();
  }

  /** Cuts the connections `from` dials to `to` (one direction of a symmetric partition). */
  block(from: string, to: string): void {
    this.#requireSupported();
    if (from === to) throw new Error(`peer network: cannot block ${from} from itself`);
    if (!this.#proxies.has(from)) throw new Error(`peer network: no member ${from} behind a proxy`);
    this.#proxy(to).block(from);
  }

  /** Symmetric: `name` can neither reach nor be reached by any other member. */
  isolate(name: string): void {
    this.#requireSupported();
    this.#proxy(name);
    for (const other of this.#proxies.keys()) {
      if (other === name) continue;
      this.block(name, other);
      this.block(other, name);
    }
  }

  /** Removes every partition. */
  heal(): void {
    for (const proxy of this.#proxies.values()) proxy.heal();
  }

  async closeAll(): Promise<void> {
    const proxies = [...this.#proxies.values()];
    this.#proxies.clear();
    await Promise.all(proxies.map((proxy) => proxy.close()));
  }

  #proxy(name: string): PeerProxy {
    const proxy = this.#proxies.get(name);
    if (proxy === undefined) throw new Error(`peer network: no proxy for member ${name} (start the cluster with peerProxy: true)`);
    return proxy;
  }

  #requireSupported(): void {
    if (this.#unsupportedReason !== null) throw new Error(`peer network: partitions unavailable: ${this.#unsupportedReason}`);
  }
}
