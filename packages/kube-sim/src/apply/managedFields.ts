/*
 * Server-side apply and field ownership (`metadata.managedFields`): who set which field, so that
 * an apply removes what its manager no longer sets, refuses to overwrite another manager's value
 * unless forced, and every write says who made it.
 */
import { StatusError } from '../api/status';
import type { KubeObject, ManagedFieldsEntry } from '../store/types';
import {
  changedPaths,
  deletePath,
  fieldsOf,
  fromPaths,
  getPath,
  leafPaths,
  pathKey,
  setPath,
} from './fieldSets';

const now = () => new Date().toISOString().replace(/\.\d+Z$/, 'Z');

function entryPaths(entry: ManagedFieldsEntry): string[][] {
  return leafPaths(entry.fieldsV1 as any);
}

function withoutPaths(
  entry: ManagedFieldsEntry,
  remove: Set<string>,
): ManagedFieldsEntry | undefined {
  const kept = entryPaths(entry).filter(p => !remove.has(pathKey(p)));
  return kept.length ? { ...entry, fieldsV1: fromPaths(kept) } : undefined;
}

/**
 * The object after `manager` applied `applied` to `current` (undefined: it does not exist yet).
 * Status is never applied through the main resource.
 */
export function serverSideApply(
  current: KubeObject | undefined,
  applied: KubeObject,
  manager: string,
  force: boolean,
): KubeObject {
  const { status: _ignored, ...desired } = applied as KubeObject & {
    status?: unknown;
  };
  const appliedPaths = leafPaths(fieldsOf(desired)).filter(
    p => p[0] !== 'status',
  );
  const appliedKeys = new Set(appliedPaths.map(pathKey));
  const entry: ManagedFieldsEntry = {
    manager,
    operation: 'Apply',
    apiVersion: applied.apiVersion,
    time: now(),
    fieldsType: 'FieldsV1',
    fieldsV1: fromPaths(appliedPaths),
  };

  if (!current) {
    const created = structuredClone(desired) as KubeObject;
    created.metadata = { ...created.metadata, managedFields: [entry] };
    return created;
  }

  const others = (current.metadata.managedFields ?? []).filter(
    e => !(e.manager === manager && e.operation === 'Apply'),
  );
  const previous = (current.metadata.managedFields ?? []).find(
    e => e.manager === manager && e.operation === 'Apply',
  );

  const conflicts: Array<{ manager: string; path: string[] }> = [];
  for (const other of others) {
    for (const path of entryPaths(other)) {
      if (!appliedKeys.has(pathKey(path))) continue;
      if (
        JSON.stringify(getPath(current, path)) !==
        JSON.stringify(getPath(desired, path))
      ) {
        conflicts.push({ manager: other.manager, path });
      }
    }
  }
  if (conflicts.length && !force) {
    const causes = conflicts.map(c => ({
      reason: 'FieldManagerConflict',
      message: `conflict with "${c.manager}": .${c.path.join('.')}`,
      field: `.${c.path.join('.')}`,
    }));
    throw new StatusError(
      409,
      'Conflict',
      `Apply failed with ${conflicts.length} conflict${
        conflicts.length > 1 ? 's' : ''
      }: ${causes.map(c => c.message).join('; ')}`,
      { name: current.metadata.name, kind: current.kind, causes },
    );
  }

  const result = structuredClone(current);
  for (const path of appliedPaths)
    setPath(result as any, path, getPath(desired, path));

  const ownedByOthers = new Set(others.flatMap(entryPaths).map(pathKey));
  for (const path of previous ? entryPaths(previous) : []) {
    if (!appliedKeys.has(pathKey(path)) && !ownedByOthers.has(pathKey(path))) {
      deletePath(result as any, path);
    }
  }

  // Forced fields change hands; fields set to the same value stay shared.
  const taken = new Set(conflicts.map(c => pathKey(c.path)));
  const kept = others
    .map(e => withoutPaths(e, taken))
    .filter((e): e is ManagedFieldsEntry => !!e);
  result.metadata.managedFields = [...kept, entry];
  return result;
}

/** Records that `manager` made a non-apply write (create, update, patch) from `before` to `after`. */
export function recordUpdate(
  before: KubeObject | undefined,
  after: KubeObject,
  manager: string,
  subresource?: string,
): KubeObject {
  const paths = before
    ? changedPaths(before as any, after as any)
    : leafPaths(fieldsOf(after as any)).filter(p => p[0] !== 'status');
  const result = structuredClone(after);
  const entries = structuredClone(
    before?.metadata.managedFields ?? after.metadata.managedFields ?? [],
  );
  if (paths.length === 0 || subresource === 'status') {
    result.metadata.managedFields = entries;
    return result;
  }
  const changed = new Set(paths.map(pathKey));
  const others = entries
    .filter(e => !(e.manager === manager && e.operation === 'Update'))
    .map(e => withoutPaths(e, changed))
    .filter((e): e is ManagedFieldsEntry => !!e);
  const mine = entries.find(
    e => e.manager === manager && e.operation === 'Update',
  );
  const minePaths = [...(mine ? entryPaths(mine) : []), ...paths];
  result.metadata.managedFields = [
    ...others,
    {
      manager,
      operation: 'Update',
      apiVersion: after.apiVersion,
      time: now(),
      fieldsType: 'FieldsV1',
      fieldsV1: fromPaths(minePaths),
    },
  ];
  return result;
}
