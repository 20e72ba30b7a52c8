/*
 * A dev server of a test file's own, started before its tests and stopped after them, with a
 * client connected to it (the tests that drive the gRPC API by hand use `connection`).
 */
import { Client, Connection } from '@temporalio/client';
import {
  startTemporalDevServer,
  type TemporalDevServer,
  type TemporalDevServerOptions,
} from '..';

export interface DevServerContext {
  server: TemporalDevServer;
  connection: Connection;
  client: Client;
}

export function useDevServer(
  options: TemporalDevServerOptions = {},
): DevServerContext {
  const context = {} as DevServerContext;
  beforeAll(async () => {
    context.server = await startTemporalDevServer({
      logLevel: 'error',
      ...options,
    });
    context.connection = await Connection.connect({
      address: context.server.address,
    });
    context.client = new Client({ connection: context.connection });
  });
  afterAll(async () => {
    await context.connection?.close();
    await context.server?.stop();
  });
  return context;
}
