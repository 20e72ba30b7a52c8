/*
 * Checks an answer of the API against the OpenAPI document: its status must be one the
 * operation documents, and its body must match the schema documented for that status.
 */
import Ajv, { type ValidateFunction } from 'ajv';
import { spec } from '../schema/openapi.generated';

const DOCUMENT_ID = 'openapi.json';
const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: false });
ajv.addSchema(JSON.parse(JSON.stringify(spec)), DOCUMENT_ID);

type Operation = {
  operationId: string;
  responses: Record<string, { $ref?: string; content?: any }>;
};

const templates = Object.keys(spec.paths).map(template => ({
  template,
  pattern: new RegExp(`^${template.replace(/\{[^}]+\}/g, '[^/]+')}$`),
}));

/** The documented path a request path matches, e.g. `/resources/{cluster}/...`. */
export function documentedPath(path: string): string | undefined {
  const bare = path.split('?')[0];
  return templates.find(t => t.pattern.test(bare))?.template;
}

const validators = new Map<string, ValidateFunction>();

function validatorFor(pointer: string): ValidateFunction {
  let validate = validators.get(pointer);
  if (!validate) {
    validate = ajv.compile({ $ref: `${DOCUMENT_ID}#${pointer}` });
    validators.set(pointer, validate);
  }
  return validate;
}

const escape = (s: string) => s.replace(/~/g, '~0').replace(/\//g, '~1');

/** Problems with an answer, as the document describes the operation; empty when it conforms. */
export function undocumented(
  method: string,
  path: string,
  status: number,
  body: unknown,
): string[] {
  const template = documentedPath(path);
  if (!template) return [`${path} is not a path of the document`];
  const operation = (spec.paths as any)[template][method.toLowerCase()] as
    | Operation
    | undefined;
  if (!operation) return [`${method} ${template} is not in the document`];
  const response = operation.responses[String(status)];
  if (!response)
    return [
      `${
        operation.operationId
      } does not document status ${status} (body ${JSON.stringify(body).slice(
        0,
        300,
      )})`,
    ];
  let pointer: string;
  if (response.$ref) {
    // A shared response: its schema is under components/responses.
    pointer = `${response.$ref.slice(1)}/content/application~1json/schema`;
  } else {
    pointer = `/paths/${escape(
      template,
    )}/${method.toLowerCase()}/responses/${status}/content/application~1json/schema`;
  }
  const validate = validatorFor(pointer);
  if (validate(body)) return [];
  return (validate.errors ?? []).map(
    e =>
      `${operation.operationId} ${status}: ${e.instancePath || '(body)'} ${
        e.message
      } ${JSON.stringify(e.params)}`,
  );
}
