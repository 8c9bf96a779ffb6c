import { createServer } from 'node:net';

/**
 * Finds `count` distinct TCP ports that are free on 127.0.0.1 right now.
 *
 * The OS picks each one (listen on port 0); all listeners stay open until every port is chosen so
 * the same port is never handed out twice. A port can still be taken by someone else between this
 * call and the server binding it, so servers started on these ports should retry with fresh ports
 * when they fail with "address already in use".
 */
export async function findFreePorts(count: number): Promise<number[]> {
  const servers = [] as ReturnType<typeof createServer>[];
  try {
    const ports: number[] = [];
    for (let i = 0; i < count; i++) {
      const server = createServer();
      servers.push(server);
      ports.push(
        await new Promise<number>((resolve, reject) => {
          server.once('error', reject);
          server.listen({ host: '127.0.0.1', port: 0, exclusive: true }, () => {
            const address = server.address();
            if (address && typeof address === 'object') resolve(address.port);
            else reject(new Error('findFreePorts: the OS returned no port for a listener on 127.0.0.1'));
          });
        }),
      );
    }
    return ports;
  } finally {
    await Promise.all(servers.map((server) => new Promise<void>((resolve) => server.close(() => resolve()))));
  }
}

export async function findFreePort(): Promise<number> {
  const [port] = await findFreePorts(1);
  return port!;
}
