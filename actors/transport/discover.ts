/**
 * How a member joining a running cluster (--initial-cluster-state existing)
 * learns the cluster's ID: it asks the listed peers, one after another, with
 * a `discover` frame (see wire-protocol.ts) and takes the first answer.
 *
 * Over https the peer's certificate is not verified here: the answer is a
 * public fact, and a wrong one cannot do harm, because every peer refuses a
 * hello that names another cluster.
 */
import { connect as connectTcp, type Socket } from 'node:net';
import { connect as connectTls } from 'node:tls';
import { FrameDecoder } from './frame-codec.ts';
import { parsePeerUrl } from './peer-url.ts';
import { decodeWireFrame, encodeWireFrame, PROTOCOL_VERSION } from './wire-protocol.ts';

const DISCOVER_TIMEOUT_MS = 5_000;
const MAX_FRAME_BYTES = 64 * 1024;

export class DiscoveryError extends Error {
  override readonly name = 'DiscoveryError';
}

function askOne(peerUrl: string): Promise<number> {
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
          if (frame.kind !== 'cluster-info') return fail(`answered ${frame.kind}, not cluster-info`);
          clearTimeout(timer);
          socket.destroy();
          const clusterId = Number.parseInt(frame.clusterId, 16);
          if (!Number.isSafeInteger(clusterId) || clusterId <= 0) return fail(`answered an invalid cluster ID ${frame.clusterId}`);
          return resolve(clusterId);
        }
      } catch (error) {
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

/** The cluster ID the first reachable peer gives; throws DiscoveryError naming every failure. */
export async function discoverClusterId(peerUrls: readonly string[]): Promise<number> {
  const failures: string[] = [];
  for (const url of peerUrls) {
    try {
      return await askOne(url);
    } catch (error) {
      failures.push(error instanceof Error ? error.message : String(error));
    }
  }
  throw new DiscoveryError(`could not learn the cluster ID from any listed member (${failures.join('; ')}); is the cluster running, and are the peer URLs in --initial-cluster right?`);
}
