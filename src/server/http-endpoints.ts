/**
 * The HTTP endpoints etcd serves next to its gRPC API, with etcd 3.4's
 * answers (etcdserver/api/etcdhttp):
 * - GET /health: {"health":"true"} with 200 when the member has a leader and
 *   a linearizable read completes within a second; {"health":"false"} with
 *   503 otherwise.
 * - GET /version: {"etcdserver":..., "etcdcluster":...} (plus "conclave").
 * - GET /metrics: Prometheus exposition text.
 * Any other method on these paths is 405 with an Allow header; other paths 404.
 *
 * Never: let a slow or failing member hang a health probe past its bound.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Conclave } from '../embedded/conclave.ts';
import type { ServerMetrics } from './metrics.ts';
import { versionDocument } from './versions.ts';

/** etcd's health probe waits this long for its read. */
const HEALTH_READ_TIMEOUT_MS = 1_000;

async function isHealthy(db: Conclave): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), HEALTH_READ_TIMEOUT_MS);
  });
  const probe = (async () => {
    const status = await db.status();
    if (status.leader === 0) return false;
    await db.range({ key: new TextEncoder().encode('health') });
    return true;
  })().catch(() => false);
  try {
    return await Promise.race([probe, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

function sendJson(response: ServerResponse, statusCode: number, body: unknown): void {
  const text = JSON.stringify(body);
  response.writeHead(statusCode, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) });
  response.end(text);
}

export function httpEndpoints(db: Conclave, metrics: ServerMetrics): (request: IncomingMessage, response: ServerResponse) => void {
  const routes: Readonly<Record<string, (response: ServerResponse) => Promise<void>>> = {
    '/health': async (response) => {
      const healthy = await isHealthy(db);
      sendJson(response, healthy ? 200 : 503, { health: healthy ? 'true' : 'false' });
    },
    '/version': async (response) => sendJson(response, 200, versionDocument),
    '/metrics': async (response) => {
      const text = await metrics.text();
      response.writeHead(200, { 'Content-Type': metrics.contentType() });
      response.end(text);
    },
  };
  return (request, response) => {
    const path = new URL(request.url ?? '/', 'http://localhost').pathname;
    const route = routes[path];
    if (route === undefined) {
      response.writeHead(404, { 'Content-Type': 'text/plain' });
      response.end('404 page not found\n');
      return;
    }
    if (request.method !== 'GET') {
      response.writeHead(405, { Allow: 'GET', 'Content-Type': 'text/plain' });
      response.end('Method Not Allowed\n');
      return;
    }
    route(response).catch((error: unknown) => {
      if (response.headersSent) return response.destroy();
      response.writeHead(500, { 'Content-Type': 'text/plain' });
      response.end(`${error instanceof Error ? error.message : String(error)}\n`);
    });
  };
}
