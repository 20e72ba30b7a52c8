/*
 * The permission policy of this deployment. Deny by default: a permission is allowed only where a
 * rule below allows it.
 *
 * - Services acting on their own (no user) are trusted: they are this backend's plugins.
 * - Members of a platform group (`permission.platformGroups`, default `group:default/platform-team`)
 *   may do everything: they curate templates, approve requests and repair what others own.
 * - Guest reads: the catalog, the templates' forms and the crossplane-temporal resources.
 * - Other users read the same, run templates and act on what their groups own: catalog entities
 *   they own can be refreshed or deleted; crossplane-temporal resources they own can be
 *   provisioned, updated, deprovisioned and their requests approved (the resource's policy still
 *   names the approvers); scaffolder tasks are readable and cancellable by whoever started them.
 * - Everything else is denied, catalog locations among them (reserved to the platform groups).
 */
import {
  coreServices,
  createBackendModule,
  UserInfoService,
} from '@backstage/backend-plugin-api';
import { Config } from '@backstage/config';
import {
  catalogEntityDeletePermission,
  catalogEntityReadPermission,
  catalogEntityRefreshPermission,
  catalogEntityValidatePermission,
  catalogLocationReadPermission,
} from '@backstage/plugin-catalog-common/alpha';
import {
  catalogConditions,
  createCatalogConditionalDecision,
} from '@backstage/plugin-catalog-backend/alpha';
import {
  AuthorizeResult,
  isPermission,
  isResourcePermission,
  Permission,
  PolicyDecision,
} from '@backstage/plugin-permission-common';
import {
  PermissionPolicy,
  PolicyQuery,
  PolicyQueryUser,
} from '@backstage/plugin-permission-node';
import { policyExtensionPoint } from '@backstage/plugin-permission-node/alpha';
import {
  actionExecutePermission,
  taskCancelPermission,
  taskCreatePermission,
  taskReadPermission,
  templateParameterReadPermission,
  templateStepReadPermission,
} from '@backstage/plugin-scaffolder-common/alpha';
import {
  createScaffolderTaskConditionalDecision,
  scaffolderTaskConditions,
} from '@backstage/plugin-scaffolder-backend/alpha';
import {
  crossplaneResourceApprovePermission,
  crossplaneResourceCreatePermission,
  crossplaneResourceDeletePermission,
  crossplaneResourceReadPermission,
  crossplaneResourceUpdatePermission,
} from '@crossplane-temporal/plugin-crossplane-temporal-common';

export const DEFAULT_PLATFORM_GROUPS = ['group:default/platform-team'];

const ALLOW: PolicyDecision = { result: AuthorizeResult.ALLOW };
const DENY: PolicyDecision = { result: AuthorizeResult.DENY };

/** What anyone signed in may do, guest included: read. */
const READ: Permission[] = [
  catalogEntityReadPermission,
  catalogLocationReadPermission,
  templateParameterReadPermission,
  templateStepReadPermission,
  crossplaneResourceReadPermission,
];

/** What users other than guest may do besides reading. */
const USE: Permission[] = [
  catalogEntityValidatePermission,
  taskCreatePermission,
  actionExecutePermission,
];

/** What users may do to the catalog entities, and crossplane-temporal resources, they own. */
const OWN: Permission[] = [
  catalogEntityRefreshPermission,
  catalogEntityDeletePermission,
  crossplaneResourceCreatePermission,
  crossplaneResourceUpdatePermission,
  crossplaneResourceDeletePermission,
  crossplaneResourceApprovePermission,
];

const matches = (permission: Permission, list: Permission[]) =>
  list.some(p => isPermission(permission, p));

export class PlatformPermissionPolicy implements PermissionPolicy {
  constructor(
    private readonly userInfo: UserInfoService,
    private readonly platformGroups: readonly string[],
    private readonly guestUsers: readonly string[],
  ) {}

  static fromConfig(config: Config, userInfo: UserInfoService) {
    const groups =
      config.getOptionalStringArray('permission.platformGroups') ??
      DEFAULT_PLATFORM_GROUPS;
    const guest =
      config.getOptionalString('auth.providers.guest.userEntityRef') ??
      'user:development/guest';
    return new PlatformPermissionPolicy(userInfo, groups, [
      guest,
      'user:default/guest',
    ]);
  }

  async handle(
    request: PolicyQuery,
    user?: PolicyQueryUser,
  ): Promise<PolicyDecision> {
    // No user means a request on behalf of a service; services are trusted.
    if (!user) return ALLOW;
    const { userEntityRef, ownershipEntityRefs } =
      await this.userInfo.getUserInfo(user.credentials);
    if (ownershipEntityRefs.some(ref => this.platformGroups.includes(ref)))
      return ALLOW;

    const { permission } = request;
    if (matches(permission, READ)) return ALLOW;
    if (this.guestUsers.includes(userEntityRef)) return DENY;
    if (matches(permission, USE)) return ALLOW;

    if (
      matches(permission, OWN) &&
      isResourcePermission(permission, 'catalog-entity')
    ) {
      return createCatalogConditionalDecision(
        permission,
        catalogConditions.isEntityOwner({ claims: ownershipEntityRefs }),
      );
    }
    if (
      (isPermission(permission, taskReadPermission) ||
        isPermission(permission, taskCancelPermission)) &&
      isResourcePermission(permission, 'scaffolder-task')
    ) {
      return createScaffolderTaskConditionalDecision(
        permission,
        scaffolderTaskConditions.isTaskOwner({ createdBy: [userEntityRef] }),
      );
    }
    return DENY;
  }
}

export const permissionModulePlatformPolicy = createBackendModule({
  pluginId: 'permission',
  moduleId: 'platform-policy',
  register(reg) {
    reg.registerInit({
      deps: {
        policy: policyExtensionPoint,
        config: coreServices.rootConfig,
        userInfo: coreServices.userInfo,
      },
      async init({ policy, config, userInfo }) {
        policy.setPolicy(PlatformPermissionPolicy.fromConfig(config, userInfo));
      },
    });
  },
});

export default permissionModulePlatformPolicy;
