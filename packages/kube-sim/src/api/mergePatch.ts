/*
 * JSON merge patch (RFC 7386): objects merge key by key, null deletes, anything else replaces.
 * Also what strategic merge patch does for the built-in kinds the simulator has.
 */

export function mergePatch(target: any, patch: any): any {
  if (patch === null || typeof patch !== 'object' || Array.isArray(patch))
    return structuredClone(patch);
  const result =
    target !== null && typeof target === 'object' && !Array.isArray(target)
      ? structuredClone(target)
      : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete result[key];
    else result[key] = mergePatch(result[key], value);
  }
  return result;
}
