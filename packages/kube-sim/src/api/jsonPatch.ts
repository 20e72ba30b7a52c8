/*
 * JSON patch (RFC 6902): add, replace, remove and test operations on a copy of the object; a
 * path that does not exist or a failed test is 422, an operation that is not one of these 400.
 */
import type { KubeObject } from '../store/types';
import { StatusError } from './status';

export function applyJsonPatch(
  target: KubeObject,
  operations: any,
): KubeObject {
  if (!Array.isArray(operations))
    throw StatusError.badRequest('a JSON patch must be a list of operations');
  const doc: any = structuredClone(target);
  for (const op of operations) {
    const parts = String(op.path ?? '')
      .split('/')
      .slice(1)
      .map((p: string) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
    if (parts.length === 0)
      throw StatusError.badRequest(`invalid JSON patch path "${op.path}"`);
    const parent = parts
      .slice(0, -1)
      .reduce((node: any, key: string) => node?.[key], doc);
    const last = parts[parts.length - 1];
    if (parent === undefined || parent === null)
      throw StatusError.invalid(target.kind, target.metadata.name, [
        { field: op.path, message: 'path does not exist' },
      ]);
    if (op.op === 'add' || op.op === 'replace') {
      if (Array.isArray(parent)) {
        if (last === '-') parent.push(op.value);
        else if (op.op === 'add') parent.splice(Number(last), 0, op.value);
        else parent[Number(last)] = op.value;
      } else parent[last] = op.value;
    } else if (op.op === 'remove') {
      if (Array.isArray(parent)) parent.splice(Number(last), 1);
      else delete parent[last];
    } else if (op.op === 'test') {
      if (JSON.stringify(parent[last]) !== JSON.stringify(op.value))
        throw StatusError.invalid(target.kind, target.metadata.name, [
          { field: op.path, message: 'test operation failed' },
        ]);
    } else {
      throw StatusError.badRequest(
        `unsupported JSON patch operation "${op.op}"`,
      );
    }
  }
  return doc;
}
