import { ConfigReader } from '@backstage/config';
import {
  describePolicy,
  formatDuration,
  mergePolicySettings,
  parseDuration,
  policySettingsFromAnnotations,
  policySettingsFromConfig,
  resolveXrdPolicy,
} from './xrdPolicy';

describe('parseDuration', () => {
  it.each([
    ['45s', 45],
    ['30m', 1800],
    ['72h', 259200],
    ['1d12h', 129600],
    ['1h30m15s', 5415],
  ])('reads %s as %i seconds', (text, seconds) => {
    expect(parseDuration(text)).toBe(seconds);
    expect(parseDuration(formatDuration(seconds))).toBe(seconds);
  });

  it.each(['', '0s', '10', '1.5h', 'PT30M', '30 minutes', 'm'])(
    'refuses %p',
    text => {
      expect(parseDuration(text)).toBeUndefined();
    },
  );
});

describe('resolveXrdPolicy', () => {
  it('defaults to no approval, notify, and ten minutes to Ready', () => {
    expect(resolveXrdPolicy({})).toEqual({
      policy: { drift: 'notify', readyTimeoutSeconds: 600 },
      problems: [],
    });
  });

  it('gives an approval three days unless told otherwise', () => {
    expect(
      resolveXrdPolicy({
        approval: 'provision',
        approvers: 'group:default/platform-team',
      }).policy.approval?.timeoutSeconds,
    ).toBe(259200);
  });

  it('reads an approval policy from annotations, normalising approver refs', () => {
    const settings = policySettingsFromAnnotations({
      'crossplane-temporal.io/approval': 'provision, deprovision',
      'crossplane-temporal.io/approvers':
        'group:platform-team, user:default/pat',
      'crossplane-temporal.io/approval-timeout': '1d',
      'crossplane-temporal.io/drift': 'notify',
      'crossplane-temporal.io/ready-timeout': '30m',
      'unrelated.example.org/x': 'y',
    });
    expect(resolveXrdPolicy(settings)).toEqual({
      policy: {
        approval: {
          operations: ['provision', 'deprovision'],
          approvers: ['group:default/platform-team', 'user:default/pat'],
          timeoutSeconds: 86400,
        },
        drift: 'notify',
        readyTimeoutSeconds: 1800,
      },
      problems: [],
    });
  });

  it('lets later layers (app-config) win setting by setting', () => {
    const merged = mergePolicySettings(
      { drift: 'notify', readyTimeout: '5m' },
      { drift: 'ignore', readyTimeout: undefined },
    );
    expect(merged).toEqual({ drift: 'ignore', readyTimeout: '5m' });
  });

  it("reads app-config in the annotations' words, approvers as a list", () => {
    const entry = new ConfigReader({
      policy: {
        approval: 'update',
        approvers: ['group:default/platform-team', 'user:default/pat'],
        approvalTimeout: '1d',
        drift: 'ignore',
      },
    });
    expect(policySettingsFromConfig(entry.getOptionalConfig('policy'))).toEqual(
      {
        approval: 'update',
        approvers: 'group:default/platform-team,user:default/pat',
        approvalTimeout: '1d',
        drift: 'ignore',
      },
    );
    expect(
      policySettingsFromConfig(entry.getOptionalConfig('absent')),
    ).toBeUndefined();
    expect(() =>
      policySettingsFromConfig(
        new ConfigReader({ readyTimeout: 600 }, 'app-config.yaml'),
      ),
    ).toThrow(/readyTimeout/);
  });

  it('says what is wrong with each bad setting and what to write instead', () => {
    const { problems } = resolveXrdPolicy({
      approval: 'create',
      approvers: 'platform-team',
      drift: 'fix',
      readyTimeout: '10',
      approvalTimeout: 'soon',
    });
    expect(problems.map(p => [p.setting, p.severity])).toEqual([
      ['drift', 'error'],
      ['readyTimeout', 'error'],
      ['approval', 'error'],
      ['approvers', 'error'],
      ['approvalTimeout', 'error'],
    ]);
    expect(problems[0].message).toContain('repair, notify, ignore');
    expect(problems[2].message).toContain("'create'");
    expect(problems[3].message).toContain('group:default/platform-team');
  });

  it('refuses an approval nobody may give', () => {
    const { problems } = resolveXrdPolicy({ approval: 'all' });
    expect(problems).toEqual([
      expect.objectContaining({
        setting: 'approvers',
        severity: 'error',
        message: expect.stringContaining('nobody may approve'),
      }),
    ]);
  });

  it('warns that approvers without an approval have no effect', () => {
    const { policy, problems } = resolveXrdPolicy({
      approvers: 'group:default/platform-team',
    });
    expect(policy.approval).toBeUndefined();
    expect(problems).toEqual([
      expect.objectContaining({ severity: 'warning', setting: 'approvers' }),
    ]);
  });
});

describe('describePolicy', () => {
  it('says who approves what, what drift does and the ready timeout', () => {
    expect(
      describePolicy({
        approval: {
          operations: ['provision'],
          approvers: ['group:default/platform-team'],
          timeoutSeconds: 259200,
        },
        drift: 'repair',
        readyTimeoutSeconds: 900,
      }),
    ).toBe(
      'Needs approval by group:default/platform-team to provision (a request expires after 3d without a decision). Changes made outside Backstage are repaired. Crossplane has 15m to report it ready.',
    );
  });
});
