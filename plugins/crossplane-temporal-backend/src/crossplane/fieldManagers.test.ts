import { FIELD_MANAGER } from '@crossplane-temporal/plugin-crossplane-temporal-common';
import { isOutsider } from './fieldManagers';

describe('isOutsider', () => {
  it('is someone other than this plugin, Crossplane or a provider', () => {
    expect(isOutsider('kubectl-edit')).toBe(true);
    expect(isOutsider('kubectl-client-side-apply')).toBe(true);
  });

  it('is not this plugin, Crossplane, a provider, or an unknown manager', () => {
    for (const manager of [
      FIELD_MANAGER,
      'crossplane',
      'apiextensions.crossplane.io/composite',
      'provider-aws-rds',
      'managed.crossplane.io/claim',
      '',
      undefined,
    ])
      expect(isOutsider(manager)).toBe(false);
  });
});
