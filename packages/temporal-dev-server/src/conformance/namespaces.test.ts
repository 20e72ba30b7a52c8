/*
 * Conformance: the cluster and its namespaces through a real client's workflowService:
 * GetClusterInfo, ListNamespaces, RegisterNamespace and DescribeNamespace (by name and by ID).
 */
import { temporal } from '@temporalio/proto';
import Long from 'long';
import { randomUUID } from 'node:crypto';
import { useConformance } from '../__testUtils__/conformance';

const { NamespaceState } = temporal.api.enums.v1;

jest.setTimeout(60_000);

describe('namespaces and the cluster', () => {
  const t = useConformance('namespaces');
  const service = () => t.client.workflowService;

  const allNamespaces = async () => {
    const names: string[] = [];
    let nextPageToken: Uint8Array | undefined = undefined;
    do {
      const page: temporal.api.workflowservice.v1.IListNamespacesResponse =
        await service().listNamespaces({ nextPageToken });
      names.push(...(page.namespaces ?? []).map(n => n.namespaceInfo!.name!));
      nextPageToken = page.nextPageToken ?? undefined;
    } while (nextPageToken?.length);
    return names;
  };

  it('describes the cluster', async () => {
    const info = await service().getClusterInfo({});
    const { serverVersion } = await service().getSystemInfo({});
    expect(info.serverVersion).toBe(serverVersion);
    expect(info.clusterName).toBeTruthy();
    expect(info.clusterId).toBeTruthy();
    expect(info.historyShardCount).toBeGreaterThan(0);
    expect(info.supportedClients?.['temporal-typescript']).toBeTruthy();
  });

  it('lists its namespaces, the default one among them', async () => {
    expect(await allNamespaces()).toContain('default');
  });

  it('registers a namespace with what the request says, then describes and lists it', async () => {
    const name = `registered-${randomUUID().slice(0, 8)}`;
    const threeDays = 3 * 24 * 3600;
    await service().registerNamespace({
      namespace: name,
      description: 'for the conformance suite',
      ownerEmail: 'platform@example.com',
      workflowExecutionRetentionPeriod: { seconds: Long.fromNumber(threeDays) },
    });
    const described = await service().describeNamespace({ namespace: name });
    expect(described.namespaceInfo).toMatchObject({
      name,
      state: NamespaceState.NAMESPACE_STATE_REGISTERED,
      description: 'for the conformance suite',
      ownerEmail: 'platform@example.com',
    });
    expect(
      Number(described.config?.workflowExecutionRetentionTtl?.seconds),
    ).toBe(threeDays);
    const id = described.namespaceInfo!.id!;
    expect(id).toBeTruthy();
    expect(
      (await service().describeNamespace({ id })).namespaceInfo?.name,
    ).toBe(name);
    expect(await allNamespaces()).toContain(name);

    // The name is taken now.
    const again = await service()
      .registerNamespace({
        namespace: name,
        workflowExecutionRetentionPeriod: {
          seconds: Long.fromNumber(threeDays),
        },
      })
      .catch(e => e);
    expect(again.code).toBe(6); // ALREADY_EXISTS
  });

  it('refuses to register a namespace without a retention period', async () => {
    const error = await service()
      .registerNamespace({ namespace: `no-retention-${randomUUID()}` })
      .catch(e => e);
    expect(error.code).toBe(3); // INVALID_ARGUMENT
    expect(error.details).toBe(
      'A valid retention period is not set on request.',
    );
  });
});
