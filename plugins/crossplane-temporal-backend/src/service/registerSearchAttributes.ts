/*
 * Registers the resource workflows' custom search attributes in the Temporal namespace, where the
 * backend's credentials allow it (the operator API: a self-hosted Temporal or the dev server; on
 * Temporal Cloud they are added with `tcld` instead, and are found here already registered).
 */
import type { LoggerService } from '@backstage/backend-plugin-api';
import type { Connection } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { RESOURCE_SEARCH_ATTRIBUTES } from '../searchAttributes';

const { IndexedValueType } = temporal.api.enums.v1;
const INDEXED_TYPES: Record<string, temporal.api.enums.v1.IndexedValueType> = {
  KEYWORD: IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD,
  DATETIME: IndexedValueType.INDEXED_VALUE_TYPE_DATETIME,
};

/**
 * Whether every attribute is registered now (added here if it was missing and allowed). When
 * not, workflows start without them and the backend's cache learns of changes by other means.
 */
export async function registerSearchAttributes(
  connection: Connection,
  namespace: string,
  logger: LoggerService,
): Promise<boolean> {
  const wanted = Object.values(RESOURCE_SEARCH_ATTRIBUTES);
  try {
    const { customAttributes } =
      await connection.operatorService.listSearchAttributes({ namespace });
    const missing = wanted.filter(
      key => !(key.name in (customAttributes ?? {})),
    );
    if (missing.length === 0) return true;
    await connection.operatorService.addSearchAttributes({
      namespace,
      searchAttributes: Object.fromEntries(
        missing.map(key => [key.name, INDEXED_TYPES[key.type]]),
      ),
    });
    logger.info("registered the resource workflows' search attributes", {
      namespace,
      added: missing.map(key => key.name).join(','),
    });
    return true;
  } catch (error) {
    logger.warn(
      "could not register the resource workflows' search attributes; register them in the Temporal namespace to list resources by them",
      {
        namespace,
        attributes: wanted.map(key => `${key.name}=${key.type}`).join(','),
        error: String(error),
      },
    );
    return false;
  }
}
