/*
 * How the template's step input reads the form: each spec field bound to the form value that
 * holds it (on the main or the advanced page), to a literal, or to an object of such bindings,
 * written out as `${{ parameters.… }}` expressions.
 */
import type { JsonValue } from '@crossplane-temporal/plugin-crossplane-temporal-common';

/** The form's two parameter keys that hold spec fields. */
export type FormPage = 'spec' | 'advanced';

/** How the step input gets a field's value. */
export type Binding =
  | { kind: 'value'; page: FormPage; path: string[] }
  | { kind: 'object'; children: Record<string, Binding> }
  | { kind: 'literal'; value: JsonValue };

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/** A nunjucks expression that reads a form value, safe for any key. */
function expression(page: FormPage, path: string[]): string {
  const access = path
    .map(key => (IDENTIFIER.test(key) ? `.${key}` : `[${JSON.stringify(key)}]`))
    .join('');
  return `\${{ parameters.${page}${access} }}`;
}

export function bindingToInput(binding: Binding): JsonValue {
  if (binding.kind === 'value') return expression(binding.page, binding.path);
  if (binding.kind === 'literal') return binding.value;
  return Object.fromEntries(
    Object.entries(binding.children).map(([k, b]) => [k, bindingToInput(b)]),
  );
}

export function pagesOf(
  binding: Binding | undefined,
  pages = new Set<FormPage>(),
) {
  if (binding?.kind === 'value') pages.add(binding.page);
  if (binding?.kind === 'object')
    Object.values(binding.children).forEach(b => pagesOf(b, pages));
  return pages;
}

export function hasLiteral(binding: Binding): boolean {
  if (binding.kind === 'literal') return true;
  return (
    binding.kind === 'object' &&
    Object.values(binding.children).some(hasLiteral)
  );
}
