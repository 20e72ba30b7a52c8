/*
 * The permission policy of this deployment.
 *
 * - Members of a platform group (`permission.platformGroups`, default `group:default/platform-team`)
 *   may do everything: they curate templates, approve requests and repair what others own.
 * - Everyone signed in may read the catalog and run templates.
 * - Changing or deleting a catalog entity is allowed only to its owners.
 * - Registering or removing catalog locations is reserved to the platform groups.
 * - Anything else a signed-in user asks for is allowed; plugins that need stricter rules get their
 *   own entry here, next to the catalog's.
 */
import {
  coreServices,
  createBackendModule,
  UserInfoService,
} from '@backstage/backend-plugin-api';
import { Config } from '@backstage/config';
import {
  catalogEntityDeletePermission,
  catalogEntityRefreshPermission,
  catalogLocationCreatePermission,
  catalogLocationDeletePermission,
} from '@backstage/plugin-catalog-common/alpha';
import {
  catalogConditions,
  createCatalogConditionalDecision,
} from '@backstage/plugin-catalog-backend/alpha';
import {
  AuthorizeResult,
  isPermission,
  PolicyDecision,
} from '@backstage/plugin-permission-common';
import {
  PermissionPolicy,
  PolicyQuery,
  PolicyQueryUser,
} from '@backstage/plugin-permission-node';
import { policyExtensionPoint } from '@backstage/plugin-permission-node/alpha';

export const DEFAULT_PLATFORM_GROUPS = ['group:default/platform-team'];

export class PlatformPermissionPolicy implements PermissionPolicy {
  constructor(
    private readonly userInfo: UserInfoService,
    private readonly platformGroups: readonly string[],
  ) {}

  static fromConfig(config: Config, userInfo: UserInfoService) {
    const groups =
      config.getOptionalStringArray('permission.platformGroups') ??
      DEFAULT_PLATFORM_GROUPS;
    return new PlatformPermissionPolicy(userInfo, groups);
  }

  async handle(
    request: PolicyQuery,
    user?: PolicyQueryUser,
  ): Promise<PolicyDecision> {
    // No user means a request on behalf of a service; services are trusted.
    if (!user) {
      return { result: AuthorizeResult.ALLOW };
    }
    const { ownershipEntityRefs } = await this.userInfo.getUserInfo(
      user.credentials,
    );
    if (ownershipEntityRefs.some(ref => this.platformGroups.includes(ref))) {
      return { result: AuthorizeResult.ALLOW };
    }

    const { permission } = request;
    if (
      isPermission(permission, catalogLocationCreatePermission) ||
      isPermission(permission, catalogLocationDeletePermission)
    ) {
      return { result: AuthorizeResult.DENY };
    }
    if (
      isPermission(permission, catalogEntityDeletePermission) ||
      isPermission(permission, catalogEntityRefreshPermission)
    ) {
      return createCatalogConditionalDecision(
        permission,
        catalogConditions.isEntityOwner({ claims: ownershipEntityRefs }),
      );
    }
    return { result: AuthorizeResult.ALLOW };
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
