import t, { type Test } from 'tap';
import { once } from 'node:events';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { PeerNetwork } from '../../src/cli/local-cluster/peer-network.ts';
import { PeerProxy } from '../../src/cli/local-cluster/peer-proxy.ts';

/** An echo server standing in for a member's peer listener on its own 127.0.0.x. */
async function startEcho(t: Test): Promise<{ server: Server; port: number; accepted: () => number }> {
  let accepted = 0;
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    accepted++;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    socket.pipe(socket);
  });
  server.listen(0, '127.0.0.2');
  await once(server, 'listening');
  t.teardown(async () => {
    for (const socket of sockets) socket.destroy();
    server.close();
    await once(server, 'close');
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no address');
  return { server, port: address.port, accepted: () => accepted };
}

async function dial(t: Test, port: number, fromHost: string): Promise<Socket> {
  const socket = connect({ host: '127.0.0.1', port, localAddress: fromHost });
  socket.on('error', () => undefined);
  t.teardown(() => socket.destroy());
  await once(socket, 'connect');
  return socket;
}

async function roundTrip(socket: Socket, text: string): Promise<string> {
  socket.write(text);
  const [chunk] = (await once(socket, 'data')) as [Buffer];
  return chunk.toString('utf8');
}

async function startProxy(t: Test, forwardPort: number): Promise<PeerProxy> {
  const proxy = await PeerProxy.start({
    target: 'm1',
    listenHost: '127.0.0.1',
    listenPort: 0,
    forwardHost: '127.0.0.2',
    forwardPort,
    sourceHosts: new Map([
      ['127.0.0.3', 'm2'],
      ['127.0.0.4', 'm3'],
    ]),
  });
  t.teardown(() => proxy.close());
  return proxy;
}

t.test('forwards bytes both ways for every sender', async (t) => {
  const echo = await startEcho(t);
  const proxy = await startProxy(t, echo.port);
  t.equal(await roundTrip(await dial(t, proxy.port, '127.0.0.3'), 'hello'), 'hello', 'a known sender is forwarded');
  t.equal(await roundTrip(await dial(t, proxy.port, '127.0.0.1'), 'anon'), 'anon', 'an unknown source is forwarded');
  t.equal(echo.accepted(), 2);
});

t.test('block destroys the sender\'s connections and blackholes new ones; heal closes them', async (t) => {
  const echo = await startEcho(t);
  const proxy = await startProxy(t, echo.port);
  const fromM2 = await dial(t, proxy.port, '127.0.0.3');
  t.equal(await roundTrip(fromM2, 'before'), 'before');
  const closed = once(fromM2, 'close');
  proxy.block('m2');
  await closed;
  t.pass('the open connection from the blocked sender was destroyed');

  let blackholedBytes = 0;
  const blackholed = await dial(t, proxy.port, '127.0.0.3');
  blackholed.on('data', (chunk: Buffer) => (blackholedBytes += chunk.length));
  blackholed.write('into the void');
  // m3 is not blocked: its round trip through the same proxy shows the proxy has handled both accepts.
  t.equal(await roundTrip(await dial(t, proxy.port, '127.0.0.4'), 'm3 ok'), 'm3 ok', 'other senders still pass');
  t.equal(echo.accepted(), 2, 'the blackholed connection never reached the member');
  t.equal(blackholedBytes, 0, 'the blocked sender got no answer');
  t.ok(proxy.isBlocked('m2'));

  const blackholedClosed = once(blackholed, 'close');
  proxy.heal();
  await blackholedClosed;
  t.notOk(proxy.isBlocked('m2'), 'healed');
  t.equal(await roundTrip(await dial(t, proxy.port, '127.0.0.3'), 'after'), 'after', 'the sender gets through after heal');
});

t.test('the peer network isolates a member both ways, and refuses when partitions cannot work', async (t) => {
  const echo = await startEcho(t);
  const network = new PeerNetwork(null);
  t.teardown(() => network.closeAll());
  const sourceHosts = new Map([
    ['127.0.0.3', 'm1'],
    ['127.0.0.4', 'm2'],
    ['127.0.0.5', 'm3'],
  ]);
  const proxies = new Map<string, PeerProxy>();
  for (const target of ['m1', 'm2', 'm3']) {
    const proxy = await PeerProxy.start({ target, listenHost: '127.0.0.1', listenPort: 0, forwardHost: '127.0.0.2', forwardPort: echo.port, sourceHosts });
    network.attach(proxy);
    proxies.set(target, proxy);
  }
  network.isolate('m1');
  const blocked = (from: string, to: string): boolean => proxies.get(to)?.isBlocked(from) ?? false;
  t.same(
    [blocked('m1', 'm2'), blocked('m1', 'm3'), blocked('m2', 'm1'), blocked('m3', 'm1'), blocked('m2', 'm3'), blocked('m3', 'm2')],
    [true, true, true, true, false, false],
    'm1 is cut from both others in both directions; m2-m3 stays up',
  );
  network.heal();
  t.notOk([...proxies.values()].some((proxy) => ['m1', 'm2', 'm3'].some((from) => proxy.isBlocked(from))), 'heal lifts every block');
  t.throws(() => network.block('m4', 'm1'), /no member m4/);
  t.throws(() => new PeerNetwork('etcd dials from 127.0.0.1').isolate('m1'), /partitions unavailable: etcd dials from 127.0.0.1/);
});
