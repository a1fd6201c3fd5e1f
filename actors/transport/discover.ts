/**
 * How a member joining a running cluster (--initial-cluster-state existing)
 * learns the cluster's ID and the member table, its own row (and so the ID
 * MemberAdd gave it) included: it asks the listed peers, one after another,
 * with a `discover` frame (see wire-protocol.ts).
 *
 * A peer that has not yet applied the MemberAdd answers without the joiner's
 * row, so the caller says which answer it wants and the next peer is asked
 * until one gives it; if none does, the first answer is returned for the
 * caller to explain.
 *
 * Over https the peer's certificate is not verified here: the answer is a
 * public fact, and a wrong one cannot do harm, because every peer refuses a
 * hello that names another cluster or a member ID it does not know.
 */
import { connect as connectTcp, type Socket } from 'node:net';
import { connect as connectTls } from 'node:tls';
import { FrameDecoder } from './frame-codec.ts';
import { parsePeerUrl } from './peer-url.ts';
import { ProtocolError, decodeWireFrame, encodeWireFrame, PROTOCOL_VERSION, type WireMember } from './wire-protocol.ts';

const DISCOVER_TIMEOUT_MS = 5_000;
/** Room for a member table of thousands of rows (etcd advises at most 7 members). */
const MAX_FRAME_BYTES = 1024 * 1024;

export class DiscoveryError extends Error {
  override readonly name = 'DiscoveryError';
}

/** What one running member told a joiner. */
export interface ClusterInfo {
  readonly clusterId: number;
  readonly members: readonly WireMember[];
  /** The peer URL that answered. */
  readonly answeredBy: string;
}

function askOne(peerUrl: string): Promise<ClusterInfo> {
  const endpoint = parsePeerUrl(peerUrl);
  return new Promise((resolve, reject) => {
    const options = { host: endpoint.host, port: endpoint.port };
    const socket: Socket = endpoint.secure ? connectTls({ ...options, rejectUnauthorized: false }) : connectTcp(options);
    const decoder = new FrameDecoder(MAX_FRAME_BYTES);
    const fail = (reason: string) => {
      socket.destroy();
      reject(new DiscoveryError(`${peerUrl}: ${reason}`));
    };
    const timer = setTimeout(() => fail(`no answer within ${DISCOVER_TIMEOUT_MS} ms`), DISCOVER_TIMEOUT_MS);
    socket.once(endpoint.secure ? 'secureConnect' : 'connect', () => {
      socket.write(encodeWireFrame({ kind: 'discover', protocolVersion: PROTOCOL_VERSION }, MAX_FRAME_BYTES));
    });
    socket.on('data', (chunk: Buffer) => {
      try {
        for (const payload of decoder.push(chunk)) {
          const frame = decodeWireFrame(payload);
          clearTimeout(timer);
          if (frame.kind === 'rejected') return fail(`refused to answer: ${frame.reason}`);
          if (frame.kind !== 'cluster-info') return fail(`answered ${frame.kind}, not cluster-info`);
          socket.destroy();
          const clusterId = Number.parseInt(frame.clusterId, 16);
          if (!Number.isSafeInteger(clusterId) || clusterId <= 0) return fail(`answered an invalid cluster ID ${frame.clusterId}`);
          return resolve({ clusterId, members: frame.members, answeredBy: peerUrl });
        }
      } catch (error) {
        if (error instanceof ProtocolError && error.frameKind === 'cluster-info') {
          return fail('answered without the member list: it runs an older Conclave, which cannot tell a joining member its ID; upgrade the running members first');
        }
        fail(error instanceof Error ? error.message : String(error));
      }
    });
    socket.on('error', (error) => {
      clearTimeout(timer);
      fail(error.message);
    });
    socket.on('close', () => {
      clearTimeout(timer);
      fail('closed the connection without an answer');
    });
  });
}

/**
 * Asks `peerUrls` in order and resolves with the first answer `wanted`
 * accepts, else with the first answer of all. Throws DiscoveryError naming
 * every failure when no peer answers.
 */
export async function discoverCluster(peerUrls: readonly string[], wanted: (info: ClusterInfo) => boolean = () => true): Promise<ClusterInfo> {
  const failures: string[] = [];
  let first: ClusterInfo | null = null;
  for (const url of peerUrls) {
    try {
      const info = await askOne(url);
      if (wanted(info)) return info;
      first ??= info;
    } catch (error) {
      failures.push(error instanceof Error ? error.message : String(error));
    }
  }
  if (first !== null) return first;
  throw new DiscoveryError(`could not learn the cluster's members from any listed member (${failures.join('; ')}); is the cluster running, and are the peer URLs in --initial-cluster right?`);
}
