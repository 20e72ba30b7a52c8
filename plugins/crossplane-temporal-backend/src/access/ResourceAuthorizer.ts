/*
 * Authorizes the plugin's permissions for a caller: one request to the permission framework per
 * API call, whose decision (allow, deny, or conditions on the catalog-entity resource type) is
 * then applied to each resource the call touches, as an entity (resourceEntity.ts). Lists are
 * filtered with the same decision.
 */
import type {
  BackstageCredentials,
  LoggerService,
  PermissionsService,
} from '@backstage/backend-plugin-api';
import type { Entity } from '@backstage/catalog-model';
import { NotAllowedError } from '@backstage/errors';
import {
  AuthorizeResult,
  type ConditionalPolicyDecision,
  type ResourcePermission,
} from '@backstage/plugin-permission-common';
import { satisfies, UnknownRuleError } from './entityConditions';

/** Whether the decided permission holds for an entity. */
export type EntityDecision = (entity: Entity) => boolean;

export class ResourceAuthorizer {
  constructor(
    private readonly permissions: PermissionsService,
    private readonly logger: LoggerService,
  ) {}

  async decide(
    permission: ResourcePermission<'catalog-entity'>,
    credentials: BackstageCredentials,
  ): Promise<EntityDecision> {
    const [decision] = await this.permissions.authorizeConditional(
      [{ permission }],
      { credentials },
    );
    if (decision.result === AuthorizeResult.ALLOW) return () => true;
    if (decision.result === AuthorizeResult.DENY) return () => false;
    const { conditions } = decision as ConditionalPolicyDecision;
    return entity => {
      try {
        return satisfies(entity, conditions);
      } catch (error) {
        if (!(error instanceof UnknownRuleError)) throw error;
        this.logger.warn(
          'a permission policy condition cannot be applied to resources; denying',
          {
            permission: permission.name,
            rule: error.rule,
          },
        );
        return false;
      }
    };
  }

  /** Throws NotAllowedError unless the caller holds the permission for the entity. */
  async authorize(
    permission: ResourcePermission<'catalog-entity'>,
    credentials: BackstageCredentials,
    entity: Entity,
    what: string,
  ): Promise<void> {
    const allowed = await this.decide(permission, credentials);
    if (!allowed(entity)) {
      throw new NotAllowedError(
        `you may not ${what} (permission ${permission.name} is denied by the permission policy)`,
      );
    }
  }
}
