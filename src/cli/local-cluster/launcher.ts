/**
 * Starts a cluster of N member processes on this machine with etcd 3.4's
 * flags, for Conclave (`conclave serve`) or real etcd, and gives tests and
 * tools the faults a real deployment sees: kill -9, SIGSTOP/SIGCONT, SIGTERM,
 * restart from the same data directory, a member joining after MemberAdd,
 * and (with `peerProxy`) network partitions between members.
 *
 * Clients talk to 127.0.0.1; member i listens for peers on 127.0.0.(i+2) so
 * its source address names it to the peer proxies. Readiness is the line
 * "ready to serve client requests"; a failed start says which member and
 * shows its last log lines. `stop()` must leave nothing running, whatever
 * state the members were left in (stopped, killed, half-started).
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { freePort } from '../../../bench/compare/server.ts';
import { memberFlags, type ClusterTiming, type MemberAddresses } from './member-flags.ts';
import { MemberProcess, MemberStartError, describeExit, type ProcessCommand, type ProcessExit } from './member-process.ts';
import { PeerNetwork } from './peer-network.ts';
import { PeerProxy } from './peer-proxy.ts';
import { defaultEtcdBinary, partitionUnsupportedReason, programCommand, type ClusterProgram } from './programs.ts';

export { MemberStartError } from './member-process.ts';
export type { ClusterProgram } from './programs.ts';
export type { ProcessExit } from './member-process.ts';
export { PeerNetwork } from './peer-network.ts';

export interface ClusterSpec {
  readonly program: ClusterProgram;
  /** Members started at once; default 3. */
  readonly size?: number;
  /** Member names; default m1..mN. */
  readonly names?: readonly string[];
  /** Default 100 ms (etcd's). */
  readonly heartbeatIntervalMs?: number;
  /** Default 1000 ms (etcd's). */
  readonly electionTimeoutMs?: number;
  /** --snapshot-count; default: the program's own. */
  readonly snapshotCount?: number;
  /** More flags for every member, appended as given. */
  readonly extraFlags?: readonly string[];
  /** Fixed client ports, one per member; default: free ports. */
  readonly clientPorts?: readonly number[];
  /** Fixed peer ports, one per member; default: free ports. */
  readonly peerPorts?: readonly number[];
  /** Data directories go to <baseDataDir>/<name> and are kept; default: a fresh temp dir removed by stop(). */
  readonly baseDataDir?: string;
  /** Put a fault proxy in front of every member's peer port (see peer-proxy.ts). */
  readonly peerProxy?: boolean;
  /** 'https': peer URLs use TLS (give the TLS flags, e.g. --peer-auto-tls, in extraFlags). Default 'http'. */
  readonly peerScheme?: 'http' | 'https';
  /** Default "conclave-local-cluster". */
  readonly clusterToken?: string;
  /** How long stop(), remove() and kill(SIGTERM) let a member shut down before SIGKILL; default 5 s. */
  readonly stopGraceMs?: number;
  /** Bound on a member's start (and restart); default 30 s. */
  readonly readyTimeoutMs?: number;
  readonly etcdBinary?: string;
}

export interface ClusterMember {
  readonly name: string;
  /** Order of creation; the member's peer host is 127.0.0.(index+2). */
  readonly index: number;
  /** http://127.0.0.1:<client port> */
  readonly clientUrl: string;
  /** 127.0.0.1:<client port>, the form gRPC clients and etcdctl --endpoints take. */
  readonly endpoint: string;
  /** The peer URL other members dial (the proxy's when peerProxy is on). */
  readonly peerUrl: string;
  /** Where the member itself listens for peers. */
  readonly listenPeerUrl: string;
  readonly dataDir: string;
  /** null while not running. */
  readonly pid: number | null;
}

/** Signals a test may send; SIGKILL and SIGTERM wait for the exit. */
export type MemberSignal = 'SIGKILL' | 'SIGTERM' | 'SIGSTOP' | 'SIGCONT';

export type UnexpectedExitListener = (name: string, exit: ProcessExit, logTail: readonly string[]) => void;

const clientHost = '127.0.0.1';
/** 127.0.0.(index+2) must stay a valid host. */
const maxMembers = 250;

interface MemberSlot {
  readonly addresses: MemberAddresses;
  readonly index: number;
  /** Fixed at first start, reused verbatim by restart(). */
  flags: readonly string[] | null;
  process: MemberProcess | null;
  /** The launcher caused the current process's exit (kill, stop, remove): not reported as unexpected. */
  exitExpected: boolean;
}

export class LocalCluster {
  readonly program: ClusterProgram;
  /** Partitions between members; throws unless started with peerProxy (and a program that supports it). */
  readonly network: PeerNetwork;
  readonly baseDataDir: string;
  readonly #spec: ClusterSpec;
  readonly #command: ProcessCommand;
  readonly #timing: ClusterTiming;
  readonly #ownsDataDir: boolean;
  readonly #stopGraceMs: number;
  readonly #slots = new Map<string, MemberSlot>();
  readonly #sourceHosts = new Map<string, string>();
  readonly #exitListeners: UnexpectedExitListener[] = [];
  #nextIndex = 0;
  #stopping: Promise<void> | null = null;

  private constructor(spec: ClusterSpec, baseDataDir: string, ownsDataDir: boolean) {
    this.program = spec.program;
    this.#spec = spec;
    this.baseDataDir = baseDataDir;
    this.#ownsDataDir = ownsDataDir;
    this.#stopGraceMs = spec.stopGraceMs ?? 5_000;
    this.#command = programCommand(spec.program, spec.etcdBinary ?? defaultEtcdBinary);
    this.#timing = {
      heartbeatIntervalMs: spec.heartbeatIntervalMs ?? 100,
      electionTimeoutMs: spec.electionTimeoutMs ?? 1000,
      snapshotCount: spec.snapshotCount ?? null,
      extraFlags: spec.extraFlags ?? [],
    };
    const noProxy = spec.peerProxy === true ? null : 'the cluster was started without peerProxy: true';
    this.network = new PeerNetwork(noProxy ?? partitionUnsupportedReason(spec.program));
  }

  /** Starts every member of `spec` and resolves once all are ready; on failure stops them all and throws. */
  static async start(spec: ClusterSpec): Promise<LocalCluster> {
    const names = validateSpec(spec);
    const baseDataDir = spec.baseDataDir === undefined ? mkdtempSync(join(tmpdir(), `conclave-cluster-${spec.program}-`)) : resolve(spec.baseDataDir);
    mkdirSync(baseDataDir, { recursive: true });
    const cluster = new LocalCluster(spec, baseDataDir, spec.baseDataDir === undefined);
    try {
      for (const [i, name] of names.entries()) {
        await cluster.planMember(name, { clientPort: spec.clientPorts?.[i], peerPort: spec.peerPorts?.[i] });
      }
      const initialCluster = [...cluster.#slots.values()].map((slot) => slot.addresses);
      for (const slot of cluster.#slots.values()) cluster.#fixFlags(slot, initialCluster, 'new');
      await cluster.#launch([...cluster.#slots.values()]);
    } catch (error) {
      await cluster.stop();
      throw error;
    }
    return cluster;
  }

  /** The members in creation order (removed ones excluded). */
  get members(): readonly ClusterMember[] {
    return [...this.#slots.values()].map((slot) => this.#view(slot));
  }

  member(name: string): ClusterMember {
    return this.#view(this.#slot(name));
  }

  /** host:port of every member, for clients spreading load over all of them. */
  get endpoints(): readonly string[] {
    return this.members.map((member) => member.endpoint);
  }

  isRunning(name: string): boolean {
    return this.#slot(name).process?.isRunning === true;
  }

  /** Called when a member's process exits without the launcher asking it to. */
  onUnexpectedExit(listener: UnexpectedExitListener): void {
    this.#exitListeners.push(listener);
  }

  /** Delivers a signal. SIGKILL and SIGTERM resolve once the process has exited (SIGTERM escalates to SIGKILL after stopGraceMs). */
  async kill(name: string, signal: MemberSignal): Promise<void> {
    const slot = this.#slot(name);
    const process = slot.process;
    if (process === null || !process.isRunning) throw new Error(`${name} is not running`);
    switch (signal) {
      case 'SIGKILL':
        slot.exitExpected = true;
        await process.kill();
        return;
      case 'SIGTERM':
        slot.exitExpected = true;
        await process.terminate(this.#stopGraceMs);
        return;
      case 'SIGSTOP':
      case 'SIGCONT':
        process.signal(signal);
        return;
    }
  }

  /**
   * Starts stopped members again with their original flags and data
   * directories (etcd ignores --initial-cluster* once its data directory
   * exists, and so must Conclave). All are spawned before any is awaited, so
   * a whole cluster can come back together.
   */
  async restart(...names: string[]): Promise<void> {
    if (names.length === 0) throw new Error('restart: name at least one member');
    const slots = names.map((name) => this.#slot(name));
    for (const slot of slots) {
      if (slot.process?.isRunning === true) throw new Error(`restart: ${slot.addresses.name} is still running; kill it first`);
      if (slot.flags === null) throw new Error(`restart: ${slot.addresses.name} was never started (use add)`);
    }
    await this.#launch(slots);
  }

  /**
   * Reserves a new member's name, index, ports and proxy without starting it,
   * so its peer URL can be given to MemberAdd first. Then call add(name).
   */
  async planMember(name: string, ports: { clientPort?: number | undefined; peerPort?: number | undefined } = {}): Promise<ClusterMember> {
    if (this.#stopping !== null) throw new Error('planMember: the cluster is stopping');
    if (!/^[A-Za-z0-9._-]+$/.test(name)) throw new Error(`member name "${name}" must be letters, digits, '.', '_' or '-'`);
    if (this.#slots.has(name)) throw new Error(`member ${name} already exists`);
    const index = this.#nextIndex++;
    if (index >= maxMembers) throw new Error(`a local cluster holds at most ${maxMembers} members over its life`);
    const peerHost = `127.0.0.${index + 2}`;
    const clientPort = ports.clientPort ?? (await freePort());
    const peerPort = ports.peerPort ?? (await freePort());
    const scheme = this.#spec.peerScheme ?? 'http';
    if (scheme === 'https' && this.#spec.peerProxy === true) throw new Error('the fault proxy speaks plain TCP URLs: peerProxy needs peerScheme http');
    const listenPeerUrl = `${scheme}://${peerHost}:${peerPort}`;
    this.#sourceHosts.set(peerHost, name);
    let advertisePeerUrl = listenPeerUrl;
    if (this.#spec.peerProxy === true) {
      const proxy = await PeerProxy.start({
        target: name,
        listenHost: clientHost,
        listenPort: 0,
        forwardHost: peerHost,
        forwardPort: peerPort,
        sourceHosts: this.#sourceHosts,
      });
      this.network.attach(proxy);
      advertisePeerUrl = proxy.url;
    }
    const slot: MemberSlot = {
      addresses: { name, dataDir: join(this.baseDataDir, name), clientUrl: `http://${clientHost}:${clientPort}`, listenPeerUrl, advertisePeerUrl },
      index,
      flags: null,
      process: null,
      exitExpected: false,
    };
    this.#slots.set(name, slot);
    return this.#view(slot);
  }

  /**
   * Starts a planned member into the running cluster (--initial-cluster-state
   * existing, --initial-cluster = every current member plus itself). Call it
   * after MemberAdd has been accepted.
   */
  async add(name: string): Promise<ClusterMember> {
    const slot = this.#slot(name);
    if (slot.flags !== null) throw new Error(`add: ${name} was already started; use restart`);
    const roster = [...this.#slots.values()].filter((other) => other === slot || other.flags !== null).map((other) => other.addresses);
    this.#fixFlags(slot, roster, 'existing');
    await this.#launch([slot]);
    return this.#view(slot);
  }

  /** Stops a member (if running) and forgets it; call after MemberRemove. Its data directory stays until stop(). */
  async remove(name: string): Promise<void> {
    const slot = this.#slot(name);
    slot.exitExpected = true;
    await slot.process?.terminate(this.#stopGraceMs);
    this.#slots.delete(name);
    await this.network.detach(name);
  }

  /** Last output lines of a member's current (or last) process, oldest first; at most 200 are kept. */
  logTail(name: string, lines?: number): readonly string[] {
    return this.#slot(name).process?.logTail(lines) ?? [];
  }

  /** Stops every member (SIGTERM, then SIGKILL after stopGraceMs), closes the proxies, removes a temporary data dir. Idempotent. */
  stop(): Promise<void> {
    this.#stopping ??= this.#stopAll();
    return this.#stopping;
  }

  async #stopAll(): Promise<void> {
    const slots = [...this.#slots.values()];
    for (const slot of slots) slot.exitExpected = true;
    await Promise.all(slots.map((slot) => slot.process?.terminate(this.#stopGraceMs)));
    await this.network.closeAll();
    if (this.#ownsDataDir) rmSync(this.baseDataDir, { recursive: true, force: true });
  }

  #fixFlags(slot: MemberSlot, initialCluster: readonly MemberAddresses[], state: 'new' | 'existing'): void {
    slot.flags = memberFlags({
      member: slot.addresses,
      initialCluster,
      initialClusterState: state,
      clusterToken: this.#spec.clusterToken ?? 'conclave-local-cluster',
      timing: this.#timing,
    });
  }

  /** Spawns every slot, then waits for all to be ready (members of a new cluster need each other to get there). */
  async #launch(slots: readonly MemberSlot[]): Promise<void> {
    if (this.#stopping !== null) throw new Error('the cluster is stopping');
    for (const slot of slots) {
      const flags = slot.flags;
      if (flags === null) throw new Error(`${slot.addresses.name} has no flags`);
      const process = await MemberProcess.spawn(`${this.program} member ${slot.addresses.name}`, this.#command, flags);
      slot.process = process;
      slot.exitExpected = false;
      void process.exited.then((exit) => this.#exitedOnItsOwn(slot, process, exit));
    }
    const readyTimeoutMs = this.#spec.readyTimeoutMs ?? 30_000;
    const outcomes = await Promise.allSettled(slots.map((slot) => slot.process?.waitReady(readyTimeoutMs)));
    const failures = outcomes.flatMap((outcome) => (outcome.status === 'rejected' ? [(outcome.reason as Error).message] : []));
    if (failures.length > 0) throw new MemberStartError(failures.join('\n'));
  }

  #exitedOnItsOwn(slot: MemberSlot, process: MemberProcess, exit: ProcessExit): void {
    if (slot.process !== process || slot.exitExpected || this.#stopping !== null) return;
    for (const listener of this.#exitListeners) listener(slot.addresses.name, exit, process.logTail());
  }

  #slot(name: string): MemberSlot {
    const slot = this.#slots.get(name);
    if (slot === undefined) throw new Error(`no member named ${name}; members: ${[...this.#slots.keys()].join(', ')}`);
    return slot;
  }

  #view(slot: MemberSlot): ClusterMember {
    const { addresses } = slot;
    return {
      name: addresses.name,
      index: slot.index,
      clientUrl: addresses.clientUrl,
      endpoint: addresses.clientUrl.replace(/^http:\/\//, ''),
      peerUrl: addresses.advertisePeerUrl,
      listenPeerUrl: addresses.listenPeerUrl,
      dataDir: addresses.dataDir,
      pid: slot.process?.isRunning === true ? slot.process.pid : null,
    };
  }
}

/** Starts a local cluster; see ClusterSpec. The caller must `stop()` it. */
export function startCluster(spec: ClusterSpec): Promise<LocalCluster> {
  return LocalCluster.start(spec);
}

/** A one-line account of a member's exit, for reports. */
export function describeMemberExit(name: string, exit: ProcessExit): string {
  return `${name} ${describeExit(exit)}`;
}

function validateSpec(spec: ClusterSpec): readonly string[] {
  const size = spec.size ?? spec.names?.length ?? 3;
  if (!Number.isInteger(size) || size < 1 || size > maxMembers) throw new RangeError(`size must be an integer in 1..${maxMembers}, got ${size}`);
  const names = spec.names ?? Array.from({ length: size }, (_, i) => `m${i + 1}`);
  if (names.length !== size) throw new RangeError(`names has ${names.length} entries but size is ${size}`);
  if (new Set(names).size !== names.length) throw new RangeError(`member names must be distinct: ${names.join(', ')}`);
  for (const [label, ports] of [['clientPorts', spec.clientPorts], ['peerPorts', spec.peerPorts]] as const) {
    if (ports !== undefined && ports.length !== size) throw new RangeError(`${label} must have one port per member (${size}), got ${ports.length}`);
  }
  return names;
}
