import { Client, Connection } from '@temporalio/client';
import type { TemporalSettings } from './temporalConfig';

/** A Temporal client for the configured namespace; close its connection when done. */
export async function createTemporalClient(settings: TemporalSettings): Promise<Client> {
  const connection = await Connection.connect({
    address: settings.address,
    tls: settings.tls
      ? {
          serverNameOverride: settings.tls.serverName,
          serverRootCACertificate: settings.tls.serverRootCACertificate,
          clientCertPair: settings.tls.clientCertPair,
        }
      : undefined,
    apiKey: settings.apiKey,
  });
  return new Client({ connection, namespace: settings.namespace });
}
