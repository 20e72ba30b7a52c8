import { Client, Connection } from '@temporalio/client';
import { temporalTlsOptions, type TemporalSettings } from './temporalConfig';

/** A Temporal client for the configured namespace; close its connection when done. */
export async function createTemporalClient(
  settings: TemporalSettings,
): Promise<Client> {
  const connection = await Connection.connect({
    address: settings.address,
    tls: temporalTlsOptions(settings),
    apiKey: settings.apiKey,
  });
  return new Client({ connection, namespace: settings.namespace });
}
