import net from 'node:net';

/**
 * A port on 127.0.0.1 that nobody listens on: one the system just handed out and was given back,
 * for a cluster or a server that cannot be reached (and can be started there later).
 */
export async function unusedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address() as net.AddressInfo;
  await new Promise(resolve => server.close(resolve));
  return port;
}
