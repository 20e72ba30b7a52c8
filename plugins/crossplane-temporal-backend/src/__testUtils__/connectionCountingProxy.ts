/*
 * A TCP proxy in front of a server that counts the connections open through it, so that a test
 * can see whatever connected through it (a Temporal worker, a client) let go of its connections.
 */
import net from 'node:net';

export interface ConnectionCountingProxy {
  /** host:port to connect to instead of the server's. */
  address: string;
  /** Connections accepted so far. */
  readonly accepted: number;
  /** Connections open now. */
  readonly open: number;
  /** Resolves once no connection is open (at once if none is); rejects after `timeoutMs`. */
  noneOpen(timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
}

/** @param target - the server's host:port */
export async function startConnectionCountingProxy(
  target: string,
): Promise<ConnectionCountingProxy> {
  const separator = target.lastIndexOf(':');
  const upstreamAddress = {
    host: target.slice(0, separator),
    port: Number(target.slice(separator + 1)),
  };
  /** Each connection accepted and still open, with its own to the server. */
  const open = new Map<net.Socket, net.Socket>();
  const waiters = new Set<() => void>();
  let accepted = 0;

  const server = net.createServer(socket => {
    accepted += 1;
    const upstream = net.connect(upstreamAddress);
    open.set(socket, upstream);
    socket.pipe(upstream).pipe(socket);
    // Either side closing or failing closes the other, as a direct connection would.
    const close = () => {
      socket.destroy();
      upstream.destroy();
    };
    socket.on('error', close).on('close', close);
    upstream.on('error', close).on('close', close);
    socket.on('close', () => {
      open.delete(socket);
      for (const waiter of [...waiters]) waiter();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address() as net.AddressInfo;

  return {
    address: `127.0.0.1:${port}`,
    get accepted() {
      return accepted;
    },
    get open() {
      return open.size;
    },
    noneOpen(timeoutMs = 10_000) {
      const deadline = AbortSignal.timeout(timeoutMs);
      return new Promise((resolve, reject) => {
        const check = () => {
          if (open.size > 0 && !deadline.aborted) return;
          waiters.delete(check);
          deadline.removeEventListener('abort', check);
          if (open.size === 0) resolve();
          else
            reject(
              new Error(
                `${open.size} connections still open after ${timeoutMs} ms`,
              ),
            );
        };
        waiters.add(check);
        deadline.addEventListener('abort', check);
        check();
      });
    },
    async stop() {
      for (const [socket, upstream] of open) {
        socket.destroy();
        upstream.destroy();
      }
      await new Promise(resolve => server.close(resolve));
    },
  };
}
