/*
 * Relates each generated template to the API entity of its XRD (template dependsOn API, API
 * dependencyOf template), so the API's page shows the templates that offer it. Resources relate
 * to it through their own spec.dependsOn.
 */
import {
  RELATION_DEPENDENCY_OF,
  RELATION_DEPENDS_ON,
  getCompoundEntityRef,
  type Entity,
} from '@backstage/catalog-model';
import {
  processingResult,
  type CatalogProcessor,
  type CatalogProcessorEmit,
} from '@backstage/plugin-catalog-node';
import {
  apiGroupOf,
  ENTITY_ANNOTATIONS,
  xrdApiEntityName,
} from '@crossplane-temporal/plugin-crossplane-temporal-common';

/** @public */
export class TemplateApiRelationProcessor implements CatalogProcessor {
  getProcessorName(): string {
    return 'CrossplaneTemporalTemplateApiRelationProcessor';
  }

  async postProcessEntity(
    entity: Entity,
    _location: unknown,
    emit: CatalogProcessorEmit,
  ): Promise<Entity> {
    const annotations = entity.metadata.annotations ?? {};
    const apiVersion = annotations[ENTITY_ANNOTATIONS.apiVersion];
    const kind = annotations[ENTITY_ANNOTATIONS.kind];
    if (entity.kind !== 'Template' || !apiVersion || !kind || !annotations[ENTITY_ANNOTATIONS.xrd])
      return entity;
    const template = getCompoundEntityRef(entity);
    const api = {
      kind: 'API',
      namespace: template.namespace,
      name: xrdApiEntityName(apiGroupOf(apiVersion), kind),
    };
    emit(processingResult.relation({ source: template, type: RELATION_DEPENDS_ON, target: api }));
    emit(processingResult.relation({ source: api, type: RELATION_DEPENDENCY_OF, target: template }));
    return entity;
  }
}
