import { ConfigReader } from '@backstage/config';
import type { JsonObject } from '@backstage/types';
import { readPolicyOverrides, resolvePolicy } from './resourcePolicy';

const xrd = (annotations: Record<string, string> = {}) => ({
  name: 'xbuckets.storage.example.org',
  cluster: 'local',
  annotations,
});

const overridesFrom = (xrds: JsonObject[]) =>
  readPolicyOverrides(new ConfigReader({ crossplaneTemporal: { xrds } }));

describe('resolvePolicy', () => {
  it('gives defaults to an XRD without annotations', () => {
    expect(resolvePolicy(xrd(), [])).toEqual({
      policy: { drift: 'notify', readyTimeoutSeconds: 600 },
    });
  });

  it('reads the annotations the catalog shows on the template', () => {
    expect(
      resolvePolicy(
        xrd({
          'crossplane-temporal.io/approval': 'provision, deprovision',
          'crossplane-temporal.io/approvers':
            'group:default/platform-team,user:pat',
          'crossplane-temporal.io/approval-timeout': '1h',
          'crossplane-temporal.io/drift': 'repair',
          'crossplane-temporal.io/ready-timeout': '2m',
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

  it('lets app-config override an XRD setting by setting, or turn approvals off', () => {
    const annotated = xrd({
      'crossplane-temporal.io/approval': 'update',
      'crossplane-temporal.io/approvers': 'group:default/platform-team',
      'crossplane-temporal.io/ready-timeout': '15m',
    });
    expect(
      resolvePolicy(
        annotated,
        overridesFrom([
          {
            name: 'xbuckets.storage.example.org',
            policy: { drift: 'ignore', approvalTimeout: '1d' },
          },
        ]),
      ).policy,
    ).toEqual({
      drift: 'ignore',
      readyTimeoutSeconds: 900,
      approval: {
        operations: ['update'],
        approvers: ['group:default/platform-team'],
        timeoutSeconds: 86400,
      },
    });
    expect(
      resolvePolicy(
        annotated,
        overridesFrom([
          {
            name: 'xbuckets.storage.example.org',
            policy: { approval: 'none' },
          },
        ]),
      ).policy,
    ).toEqual({ drift: 'notify', readyTimeoutSeconds: 900 });
    expect(
      resolvePolicy(
        annotated,
        overridesFrom([
          { name: 'other.example.org', policy: { approval: 'none' } },
        ]),
      ).policy?.approval?.operations,
    ).toEqual(['update']);
  });

  it('refuses a policy it cannot read rather than drop an approval', () => {
    const broken: Array<Record<string, string>> = [
      { 'crossplane-temporal.io/approval': 'provision' },
      {
        'crossplane-temporal.io/approval': 'provison',
        'crossplane-temporal.io/approvers': 'group:default/a',
      },
      {
        'crossplane-temporal.io/approval': 'provision',
        'crossplane-temporal.io/approvers': 'platform team',
      },
      { 'crossplane-temporal.io/drift': 'fix' },
      { 'crossplane-temporal.io/ready-timeout': '-5' },
      { 'crossplane-temporal.io/approval-timeout': '600' },
    ];
    for (const annotations of broken) {
      const result = resolvePolicy(xrd(annotations), []);
      expect(result.policy).toBeUndefined();
      expect(result.problem).toMatch(
        /^the policy of XRD xbuckets.storage.example.org \(cluster local\) cannot be read, so requests for it are refused until the platform team fixes it/,
      );
    }
    const fromConfig = resolvePolicy(
      xrd(),
      overridesFrom([
        {
          name: 'xbuckets.storage.example.org',
          policy: { approval: 'all', readyTimeout: 'soon' },
        },
      ]),
    );
    expect(fromConfig.problem).toContain(
      "readyTimeout 'soon' is not a duration",
    );
    expect(fromConfig.problem).toContain('nobody may approve');
  });

  it('takes a setting that has no effect without refusing the kind', () => {
    expect(
      resolvePolicy(
        xrd({ 'crossplane-temporal.io/approvers': 'group:default/a' }),
        [],
      ),
    ).toEqual({ policy: { drift: 'notify', readyTimeoutSeconds: 600 } });
  });
});

describe('readPolicyOverrides', () => {
  it('reads nothing when app-config has no entries', () => {
    expect(readPolicyOverrides(new ConfigReader({}))).toEqual([]);
  });

  it('refuses policy settings beside policy, so that no approval is silently dropped', () => {
    expect(() =>
      overridesFrom([
        {
          name: 'xbuckets.storage.example.org',
          cluster: 'prod',
          approval: {
            operations: ['provision'],
            approvers: ['group:default/a'],
          },
        },
      ]),
    ).toThrow(
      'crossplaneTemporal.xrds entry xbuckets.storage.example.org sets cluster, approval beside policy',
    );
  });

  it('refuses an XRD listed twice, saying which', () => {
    expect(() =>
      overridesFrom([
        { name: 'a.example.org', policy: { drift: 'repair' } },
        { name: 'a.example.org', policy: { drift: 'ignore' } },
      ]),
    ).toThrow('crossplaneTemporal.xrds lists a.example.org twice');
  });
});
