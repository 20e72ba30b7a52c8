/*
 * The subset of function-patch-and-transform that real compositions use, evaluated by the
 * simulator itself: FromCompositeFieldPath, ToCompositeFieldPath, CombineFromComposite, and the
 * map, string (Format, Convert, TrimPrefix/Suffix) and convert transforms.
 */
export interface Transform {
  type: 'map' | 'string' | 'convert' | 'math';
  map?: Record<string, unknown>;
  string?: { type?: string; fmt?: string; convert?: string; trim?: string };
  convert?: { toType: string };
  math?: {
    multiply?: number;
    type?: string;
    clampMin?: number;
    clampMax?: number;
  };
}

export interface Patch {
  type?:
    | 'FromCompositeFieldPath'
    | 'ToCompositeFieldPath'
    | 'CombineFromComposite'
    | 'PatchSet';
  fromFieldPath?: string;
  toFieldPath?: string;
  transforms?: Transform[];
  combine?: {
    variables: Array<{ fromFieldPath: string }>;
    strategy: 'string';
    string: { fmt: string };
  };
  policy?: { fromFieldPath?: 'Optional' | 'Required' };
}

/** Reads `spec.parameters.size` or `metadata.labels[crossplane.io/claim-name]`. */
export function readFieldPath(object: unknown, fieldPath: string): unknown {
  let node: any = object;
  for (const part of splitFieldPath(fieldPath)) {
    if (node === null || node === undefined) return undefined;
    node = node[part];
  }
  return node;
}

export function writeFieldPath(
  object: any,
  fieldPath: string,
  value: unknown,
): void {
  const parts = splitFieldPath(fieldPath);
  let node = object;
  for (const part of parts.slice(0, -1)) {
    if (node[part] === null || typeof node[part] !== 'object') node[part] = {};
    node = node[part];
  }
  node[parts[parts.length - 1]] = structuredClone(value);
}

function splitFieldPath(fieldPath: string): string[] {
  return [...fieldPath.matchAll(/([^.[\]]+)|\[([^\]]+)\]/g)].map(
    m => m[1] ?? m[2],
  );
}

export function applyTransforms(
  value: unknown,
  transforms: Transform[] = [],
): unknown {
  let current = value;
  for (const t of transforms) {
    if (current === undefined) return undefined;
    if (t.type === 'map') {
      const key = String(current);
      if (!(key in (t.map ?? {})))
        throw new Error(`map transform: no entry for '${key}'`);
      current = t.map![key];
    } else if (t.type === 'string') {
      const s = t.string ?? {};
      if ((s.type ?? 'Format') === 'Format')
        current = (s.fmt ?? '%s').replace(/%[sdv]/, String(current));
      else if (s.type === 'Convert') {
        current = convertCase(String(current), s.convert);
      } else if (s.type === 'TrimPrefix')
        current = String(current).replace(
          new RegExp(`^${escape(s.trim ?? '')}`),
          '',
        );
      else if (s.type === 'TrimSuffix')
        current = String(current).replace(
          new RegExp(`${escape(s.trim ?? '')}$`),
          '',
        );
    } else if (t.type === 'convert') {
      const to = t.convert?.toType;
      if (to === 'string') current = String(current);
      else if (to === 'int' || to === 'int64')
        current = Number.parseInt(String(current), 10);
      else if (to === 'float64') current = Number(current);
      else if (to === 'bool') current = String(current) === 'true';
    } else if (t.type === 'math') {
      const m = t.math ?? {};
      let n = Number(current);
      if (m.multiply !== undefined) n *= m.multiply;
      if (m.clampMin !== undefined) n = Math.max(n, m.clampMin);
      if (m.clampMax !== undefined) n = Math.min(n, m.clampMax);
      current = n;
    }
  }
  return current;
}

function convertCase(text: string, conversion: string | undefined): string {
  if (conversion === 'ToUpper') return text.toUpperCase();
  if (conversion === 'ToLower') return text.toLowerCase();
  return text;
}

function escape(s: string) {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Applies the patches that flow from the composite to a composed resource. */
export function patchFromComposite(
  composite: unknown,
  composed: any,
  patches: Patch[] = [],
): void {
  for (const patch of patches) {
    const type = patch.type ?? 'FromCompositeFieldPath';
    if (type === 'FromCompositeFieldPath') {
      const value = readFieldPath(composite, patch.fromFieldPath!);
      if (value === undefined) {
        if (patch.policy?.fromFieldPath === 'Required')
          throw new Error(`required field ${patch.fromFieldPath} is not set`);
        continue;
      }
      writeFieldPath(
        composed,
        patch.toFieldPath ?? patch.fromFieldPath!,
        applyTransforms(value, patch.transforms),
      );
    } else if (type === 'CombineFromComposite') {
      const values = (patch.combine?.variables ?? []).map(v =>
        readFieldPath(composite, v.fromFieldPath),
      );
      if (values.some(v => v === undefined)) continue;
      let i = 0;
      const text = (patch.combine?.string.fmt ?? '').replace(/%[sdv]/g, () =>
        String(values[i++]),
      );
      writeFieldPath(
        composed,
        patch.toFieldPath!,
        applyTransforms(text, patch.transforms),
      );
    }
  }
}

/** Applies the patches that flow from a composed resource back to the composite's status. */
export function patchToComposite(
  composed: unknown,
  composite: any,
  patches: Patch[] = [],
): void {
  for (const patch of patches) {
    if (patch.type !== 'ToCompositeFieldPath') continue;
    const value = readFieldPath(composed, patch.fromFieldPath!);
    if (value === undefined) continue;
    writeFieldPath(
      composite,
      patch.toFieldPath ?? patch.fromFieldPath!,
      applyTransforms(value, patch.transforms),
    );
  }
}

/** function-patch-and-transform's readiness checks of a composed resource. */
export interface ReadinessCheck {
  type:
    | 'MatchCondition'
    | 'MatchString'
    | 'MatchInteger'
    | 'MatchTrue'
    | 'MatchFalse'
    | 'NonEmpty'
    | 'None';
  fieldPath?: string;
  matchString?: string;
  matchInteger?: number;
  matchCondition?: { type: string; status: string };
}

const READY_CONDITION: ReadinessCheck = {
  type: 'MatchCondition',
  matchCondition: { type: 'Ready', status: 'True' },
};

/** Whether an observed composed resource passes all its checks (by default: Ready=True). */
export function composedReady(
  observed: unknown,
  checks: ReadinessCheck[] | undefined,
): boolean {
  return (checks?.length ? checks : [READY_CONDITION]).every(check => {
    const value = check.fieldPath
      ? readFieldPath(observed, check.fieldPath)
      : undefined;
    switch (check.type) {
      case 'None':
        return true;
      case 'NonEmpty':
        return value !== undefined && value !== null && value !== '';
      case 'MatchString':
        return value === check.matchString;
      case 'MatchInteger':
        return Number(value) === check.matchInteger;
      case 'MatchTrue':
        return value === true;
      case 'MatchFalse':
        return value === false;
      case 'MatchCondition': {
        const wanted = check.matchCondition ?? READY_CONDITION.matchCondition!;
        const conditions = readFieldPath(observed, 'status.conditions');
        return (Array.isArray(conditions) ? conditions : []).some(
          (c: any) => c.type === wanted.type && c.status === wanted.status,
        );
      }
      default:
        return false;
    }
  });
}
