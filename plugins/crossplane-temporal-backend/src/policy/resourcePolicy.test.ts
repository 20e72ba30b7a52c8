import { ConfigReader } from '@backstage/config';
import { readPolicyOverrides, resolvePolicy } from './resourcePolicy';

const xrd = (annotations: Record<string, string> = {}) => ({
  name: 'xbuckets.storage.example.org',
  cluster: 'local',
  annotations,
});

describe('resolvePolicy', () => {
  it('gives defaults to an XRD without annotations', () => {
    expect(resolvePolicy(xrd(), [])).toEqual({
      policy: { drift: 'notify', readyTimeoutSeconds: 600 },
    });
  });

  it('reads the annotations', () => {
    expect(
      resolvePolicy(
        xrd({
          'crossplane-temporal.io/approval': 'provision, deprovision',
          'crossplane-temporal.io/approvers': 'group:default/platform-team,user:default/pat',
          'crossplane-temporal.io/approval-timeout-seconds': '3600',
          'crossplane-temporal.io/drift': 'repair',
          'crossplane-temporal.io/ready-timeout-seconds': '120',
        }),
        [],
      ).policy,
    ).toEqual({
      drift: 'repair',
      readyTimeoutSeconds: 120,
      approval: {
        operations: ['provision', 'deprovision'],
        approvers: ['group:default/platform-team', 'user:default/pat'],
        timeoutSeconds: 3600,
      },
    });
  });

  it('lets app-config override an XRD field by field, or turn approvals off', () => {
    const overrides = readPolicyOverrides(
      new ConfigReader({
        crossplaneTemporal: {
          xrds: [
            { name: 'xbuckets.storage.example.org', drift: 'ignore' },
            { name: 'xbuckets.storage.example.org', cluster: 'other', approval: false },
          ],
        },
      }),
    );
    const annotated = xrd({
      'crossplane-temporal.io/approval': 'update',
      'crossplane-temporal.io/approvers': 'group:default/platform-team',
    });
    expect(resolvePolicy(annotated, overrides).policy).toMatchObject({
      drift: 'ignore',
      approval: { operations: ['update'] },
    });
    expect(
      resolvePolicy({ ...annotated, cluster: 'other' }, overrides.slice(1)).policy,
    ).toEqual({ drift: 'notify', readyTimeoutSeconds: 600 });
  });

  it('refuses a policy it cannot read rather than drop an approval', () => {
    const broken: Array<Record<string, string>> = [
      { 'crossplane-temporal.io/approval': 'provision' },
      { 'crossplane-temporal.io/approval': 'provison', 'crossplane-temporal.io/approvers': 'group:default/a' },
      { 'crossplane-temporal.io/approval': 'provision', 'crossplane-temporal.io/approvers': 'platform team' },
      { 'crossplane-temporal.io/drift': 'fix' },
      { 'crossplane-temporal.io/ready-timeout-seconds': '-5' },
    ];
    for (const annotations of broken) {
      const result = resolvePolicy(xrd(annotations), []);
      expect(result.policy).toBeUndefined();
      expect(result.problem).toMatch(/requests for it are refused until the platform team fixes it/);
    }
  });
});
