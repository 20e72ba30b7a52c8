export { generateXrdEntities } from './generateXrdEntities';
export type {
  GeneratedXrd,
  GeneratorOptions,
  ObservedXrd,
} from './generateXrdEntities';
export type {
  FieldRule,
  GenerateMode,
  GeneratorDefaults,
  XrdOverrides,
} from './settings';
export type {
  CompositeResourceDefinition,
  OpenApiSchema,
  XrdVersion,
} from './xrd';
export {
  PROVISION_ACTION,
  FIELD_EXTENSIONS,
  DNS_LABEL_PATTERN,
} from './templateEntity';
