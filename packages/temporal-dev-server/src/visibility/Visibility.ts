/*
 * Visibility: which search attributes exist (system ones, and custom ones registered through
 * OperatorService or --search-attribute), and listing and counting runs by a visibility query.
 */
import * as grpc from '@grpc/grpc-js';
import { temporal } from '@temporalio/proto';
import type { Plain } from '../grpc/plain';
import { RpcError } from '../grpc/serviceDefinition';
import type { Execution, ExecutionStatus } from '../state';
import { parseQuery, QueryError, type Filter, type Value } from './query';

const { IndexedValueType } = temporal.api.enums.v1;
type ValueType = temporal.api.enums.v1.IndexedValueType;
type SearchAttributes = Plain<temporal.api.common.v1.ISearchAttributes>;
/** An attribute's value as ORDER BY compares it. */
type Comparable = string | number | boolean | undefined;

const TEXT = IndexedValueType.INDEXED_VALUE_TYPE_TEXT;
const KEYWORD = IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD;
const INT = IndexedValueType.INDEXED_VALUE_TYPE_INT;
const BOOL = IndexedValueType.INDEXED_VALUE_TYPE_BOOL;
const DATETIME = IndexedValueType.INDEXED_VALUE_TYPE_DATETIME;
const KEYWORD_LIST = IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD_LIST;

/** The search attribute types, by the names the CLI and the SDK use. */
export const INDEXED_VALUE_TYPES: Record<string, ValueType> = {
  Text: TEXT,
  Keyword: KEYWORD,
  Int: INT,
  Double: IndexedValueType.INDEXED_VALUE_TYPE_DOUBLE,
  Bool: BOOL,
  Datetime: DATETIME,
  KeywordList: KEYWORD_LIST,
};

/** What the server keeps for every run: queryable, never set by a client. */
const SERVER_ATTRIBUTES: Record<string, ValueType> = {
  WorkflowId: KEYWORD,
  RunId: KEYWORD,
  WorkflowType: KEYWORD,
  ExecutionStatus: KEYWORD,
  TaskQueue: KEYWORD,
  StartTime: DATETIME,
  CloseTime: DATETIME,
  ExecutionTime: DATETIME,
  ExecutionDuration: INT,
  HistoryLength: INT,
  BuildIds: KEYWORD_LIST,
};

/**
 * Predefined attributes that SDKs and tools set themselves: `patched()` upserts
 * TemporalChangeVersion, the batch and schedule machinery the others. No registration needed.
 */
const PREDEFINED_ATTRIBUTES: Record<string, ValueType> = {
  TemporalChangeVersion: KEYWORD_LIST,
  BinaryChecksums: KEYWORD_LIST,
  BatcherNamespace: KEYWORD,
  BatcherUser: KEYWORD,
  TemporalScheduledStartTime: DATETIME,
  TemporalScheduledById: KEYWORD,
  TemporalSchedulePaused: BOOL,
};

const SYSTEM_ATTRIBUTES: Record<string, ValueType> = {
  ...SERVER_ATTRIBUTES,
  ...PREDEFINED_ATTRIBUTES,
};

/** ExecutionStatus as queries name it. */
const STATUS_NAMES: Record<ExecutionStatus, string> = {
  WORKFLOW_EXECUTION_STATUS_RUNNING: 'Running',
  WORKFLOW_EXECUTION_STATUS_COMPLETED: 'Completed',
  WORKFLOW_EXECUTION_STATUS_FAILED: 'Failed',
  WORKFLOW_EXECUTION_STATUS_CANCELED: 'Canceled',
  WORKFLOW_EXECUTION_STATUS_TERMINATED: 'Terminated',
  WORKFLOW_EXECUTION_STATUS_CONTINUED_AS_NEW: 'ContinuedAsNew',
  WORKFLOW_EXECUTION_STATUS_TIMED_OUT: 'TimedOut',
};

const invalid = (message: string) =>
  new RpcError(grpc.status.INVALID_ARGUMENT, message);

/** The words of a Text value, as a full-text index splits and lowercases them. */
const words = (text: unknown): string[] =>
  typeof text === 'string'
    ? text.toLowerCase().match(/[\p{L}\p{N}_]+/gu) ?? []
    : [];

/** A search attribute payload's value (json/plain, as every SDK encodes them). */
export function decodeSearchAttribute(
  payload: Plain<temporal.api.common.v1.IPayload> | undefined,
): unknown {
  if (!payload?.data) return undefined;
  try {
    return JSON.parse(Buffer.from(payload.data).toString('utf8'));
  } catch {
    return undefined;
  }
}

export class Visibility {
  /** Custom attributes by namespace. */
  private readonly custom = new Map<string, Map<string, ValueType>>();
  /** Called when attributes are registered, so a store can keep them. */
  onChange: (namespace: string, attributes: Record<string, ValueType>) => void =
    () => {};

  customAttributes(namespace: string): Record<string, ValueType> {
    return Object.fromEntries(this.custom.get(namespace) ?? []);
  }

  systemAttributes(): Record<string, ValueType> {
    return { ...SYSTEM_ATTRIBUTES };
  }

  register(
    namespace: string,
    attributes: Record<string, ValueType | undefined>,
  ): void {
    const known = this.custom.get(namespace) ?? new Map<string, ValueType>();
    for (const [name, type] of Object.entries(attributes)) {
      if (SYSTEM_ATTRIBUTES[name] !== undefined)
        throw invalid(`Search attribute ${name} is reserved by system.`);
      if (
        type === undefined ||
        !Object.values(INDEXED_VALUE_TYPES).includes(type)
      )
        throw invalid(`Unknown search attribute type: ${type}.`);
      const existing = known.get(name);
      if (existing !== undefined && existing !== type)
        throw new RpcError(
          grpc.status.ALREADY_EXISTS,
          `search attribute ${name} already exists with another type`,
        );
      known.set(name, type);
    }
    this.custom.set(namespace, known);
    this.onChange(namespace, Object.fromEntries(known));
  }

  /** As Temporal does: a name nobody registered is skipped; a system one is refused. */
  remove(namespace: string, names: string[]): void {
    const known = this.custom.get(namespace);
    for (const name of names)
      if (SYSTEM_ATTRIBUTES[name] !== undefined)
        throw invalid(
          `Unable to remove non-custom search attributes: ${name}.`,
        );
    for (const name of names) known?.delete(name);
    this.onChange(namespace, Object.fromEntries(known ?? []));
  }

  /** Refuses search attributes that are not registered, as Temporal does on start and upsert. */
  validate(
    namespace: string,
    searchAttributes: SearchAttributes | undefined,
  ): string | undefined {
    const known = this.custom.get(namespace);
    for (const name of Object.keys(searchAttributes?.indexedFields ?? {})) {
      if (SERVER_ATTRIBUTES[name] !== undefined)
        return `${name} attribute can't be set in SearchAttributes`;
      if (PREDEFINED_ATTRIBUTES[name] !== undefined) continue;
      if (!known?.has(name))
        return `search attribute ${name} is not defined; register it first (OperatorService.AddSearchAttributes, or --search-attribute ${name}=Keyword)`;
    }
    return undefined;
  }

  private typeOf(namespace: string, field: string): ValueType {
    const type =
      SYSTEM_ATTRIBUTES[field] ?? this.custom.get(namespace)?.get(field);
    if (type === undefined)
      throw invalid(
        `invalid query: invalid expression: column name '${field}' is not a valid search attribute`,
      );
    return type;
  }

  private valueOf(e: Execution, field: string): unknown {
    switch (field) {
      case 'WorkflowId':
        return e.workflowId;
      case 'RunId':
        return e.runId;
      case 'WorkflowType':
        return e.workflowType;
      case 'ExecutionStatus':
        return STATUS_NAMES[e.status];
      case 'TaskQueue':
        return e.taskQueue;
      case 'StartTime':
      case 'ExecutionTime':
        return e.startTime;
      case 'CloseTime':
        return e.closeTime;
      case 'HistoryLength':
        return e.historyLength ?? e.history.length;
      case 'ExecutionDuration':
        return e.closeTime ? (e.closeTime - e.startTime) * 1e6 : undefined;
      default:
        return this.customValue(e, field);
    }
  }

  /**
   * A custom attribute's value by its type. Clients may send any value as a one-element list
   * (the TypeScript SDK's untyped attributes do); only a KeywordList holds several.
   */
  private customValue(e: Execution, field: string): unknown {
    const decoded = decodeSearchAttribute(
      e.searchAttributes?.indexedFields?.[field],
    );
    const type = this.typeOf(e.namespace, field);
    const value =
      type !== KEYWORD_LIST && Array.isArray(decoded) ? decoded[0] : decoded;
    return type === DATETIME && typeof value === 'string'
      ? Date.parse(value)
      : value;
  }

  /** A query value as the attribute's type compares it (datetimes as epoch ms). */
  private operand(namespace: string, field: string, value: Value): Value {
    if (this.typeOf(namespace, field) !== DATETIME) return value;
    const time =
      typeof value === 'number' ? value / 1e6 : Date.parse(String(value));
    if (Number.isNaN(time))
      throw invalid(
        `invalid query: ${field} needs a datetime such as '2024-01-31T12:00:00Z', got '${value}'`,
      );
    return time;
  }

  private matches(namespace: string, e: Execution, filter: Filter): boolean {
    switch (filter.kind) {
      case 'and':
        return (
          this.matches(namespace, e, filter.left) &&
          this.matches(namespace, e, filter.right)
        );
      case 'or':
        return (
          this.matches(namespace, e, filter.left) ||
          this.matches(namespace, e, filter.right)
        );
      case 'null': {
        const value = this.valueOf(e, filter.field);
        return (value === undefined || value === null) !== filter.negated;
      }
      case 'startsWith': {
        const value = this.valueOf(e, filter.field);
        return typeof value === 'string' && value.startsWith(filter.prefix);
      }
      case 'in': {
        const value = this.valueOf(e, filter.field);
        const values = filter.values.map(v =>
          this.operand(namespace, filter.field, v),
        );
        const found = Array.isArray(value)
          ? value.some(v => values.includes(v))
          : values.includes(value as Value);
        return found !== filter.negated;
      }
      default: {
        const value = this.valueOf(e, filter.field);
        // Full-text: one of the words asked for is enough.
        if (this.typeOf(namespace, filter.field) === TEXT) {
          const asked = words(filter.value);
          const has = words(value).some(w => asked.includes(w));
          return filter.op === '=' ? has : !has;
        }
        const operand = this.operand(namespace, filter.field, filter.value);
        if (Array.isArray(value)) {
          const has = value.includes(operand);
          if (filter.op === '=') return has;
          if (filter.op === '!=') return !has;
          throw invalid(
            `invalid query: ${filter.op} does not apply to list attribute ${filter.field}`,
          );
        }
        if (value === undefined || value === null) return filter.op === '!=';
        const v = value as Value;
        switch (filter.op) {
          case '=':
            return v === operand;
          case '!=':
            return v !== operand;
          case '<':
            return v < operand;
          case '>':
            return v > operand;
          case '<=':
            return v <= operand;
          default:
            return v >= operand;
        }
      }
    }
  }

  /** The runs a query selects, in its order (default: running first, then latest closed). */
  select(namespace: string, runs: Execution[], source: string | undefined) {
    let query;
    try {
      query = parseQuery(source ?? '');
    } catch (error) {
      if (error instanceof QueryError)
        throw invalid(`invalid query: malformed SQL query: ${error.message}`);
      throw error;
    }
    this.checkFilter(namespace, query.filter);
    for (const { field } of query.orderBy)
      if (this.typeOf(namespace, field) === TEXT)
        throw invalid(
          `invalid query: operation is not supported: unable to sort by search attribute type Text (${field})`,
        );
    if (query.groupBy && query.groupBy !== 'ExecutionStatus')
      throw invalid(
        `invalid query: operation is not supported: 'GROUP BY' clause is not supported for search attribute ${query.groupBy}`,
      );

    const selected = runs.filter(
      e => !query.filter || this.matches(namespace, e, query.filter),
    );
    const compare = (a: Execution, b: Execution) => {
      for (const { field, descending } of query.orderBy) {
        // Ordered as JavaScript orders them (one attribute's values have one type).
        const x = this.valueOf(a, field) as Comparable;
        const y = this.valueOf(b, field) as Comparable;
        if (x === y) continue;
        if (x === undefined) return 1;
        if (y === undefined) return -1;
        return (x < y ? -1 : 1) * (descending ? -1 : 1);
      }
      if (query.orderBy.length) return 0;
      const closeA = a.closeTime ?? Infinity;
      const closeB = b.closeTime ?? Infinity;
      return closeB - closeA || b.startTime - a.startTime;
    };
    return { runs: selected.sort(compare), groupBy: query.groupBy };
  }

  /** Refuses unknown attributes, and what Temporal does not do with a Text attribute. */
  private checkFilter(namespace: string, filter: Filter | undefined): void {
    if (!filter) return;
    if (!('field' in filter)) {
      this.checkFilter(namespace, filter.left);
      this.checkFilter(namespace, filter.right);
      return;
    }
    if (filter.kind === 'null' || this.typeOf(namespace, filter.field) !== TEXT)
      return;
    const op =
      filter.kind === 'compare'
        ? filter.op
        : { in: 'IN', startsWith: 'STARTS_WITH' }[filter.kind];
    if (op !== '=' && op !== '!=')
      throw invalid(
        `invalid query: operation is not supported: operator '${op}' not supported for Text type search attribute '${filter.field}'`,
      );
    if (words(filter.kind === 'compare' ? filter.value : '').length === 0)
      throw invalid(
        `invalid query: no words to match in the value for Text type search attribute ${filter.field}`,
      );
  }

  statusName(e: Execution): string {
    return STATUS_NAMES[e.status];
  }
}
