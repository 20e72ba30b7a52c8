/*
 * The visibility query language subset that users write in ListWorkflowExecutions and
 * CountWorkflowExecutions: comparisons (=, !=, <, >, <=, >=), STARTS_WITH, IN, IS [NOT] NULL,
 * AND, OR, parentheses, ORDER BY, and GROUP BY ExecutionStatus for counts.
 */

export type Value = string | number | boolean;

export type Filter =
  | { kind: 'and' | 'or'; left: Filter; right: Filter }
  | { kind: 'compare'; field: string; op: string; value: Value }
  | { kind: 'in'; field: string; values: Value[]; negated: boolean }
  | { kind: 'startsWith'; field: string; prefix: string }
  | { kind: 'null'; field: string; negated: boolean };

export interface Query {
  filter?: Filter;
  orderBy: Array<{ field: string; descending: boolean }>;
  groupBy?: string;
}

export class QueryError extends Error {}

type Token = {
  type: 'word' | 'string' | 'number' | 'op' | 'punct';
  text: string;
};

function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < source.length) {
    const c = source[i];
    if (/\s/.test(c)) {
      i++;
    } else if (c === "'" || c === '"') {
      let text = '';
      i++;
      while (i < source.length && source[i] !== c) {
        if (source[i] === '\\' && i + 1 < source.length) i++;
        text += source[i++];
      }
      if (i >= source.length)
        throw new QueryError(
          `unterminated string literal starting ${c}${text}`,
        );
      i++;
      tokens.push({ type: 'string', text });
    } else if (c === '`') {
      const end = source.indexOf('`', i + 1);
      if (end === -1) throw new QueryError('unterminated `quoted` name');
      tokens.push({ type: 'word', text: source.slice(i + 1, end) });
      i = end + 1;
    } else if (/[0-9-]/.test(c)) {
      const match = /^-?\d+(\.\d+)?/.exec(source.slice(i));
      if (!match) throw new QueryError(`unexpected '${c}' at position ${i}`);
      tokens.push({ type: 'number', text: match[0] });
      i += match[0].length;
    } else if (/[A-Za-z_]/.test(c)) {
      const match = /^[A-Za-z_][A-Za-z0-9_.]*/.exec(source.slice(i))!;
      tokens.push({ type: 'word', text: match[0] });
      i += match[0].length;
    } else if ('=!<>'.includes(c)) {
      const two = source.slice(i, i + 2);
      const text = ['!=', '<=', '>=', '<>'].includes(two) ? two : c;
      if (text === '!') throw new QueryError(`unexpected '!' at position ${i}`);
      tokens.push({ type: 'op', text: text === '<>' ? '!=' : text });
      i += text.length;
    } else if ('(),'.includes(c)) {
      tokens.push({ type: 'punct', text: c });
      i++;
    } else {
      throw new QueryError(`unexpected '${c}' at position ${i}`);
    }
  }
  return tokens;
}

/** A recursive-descent parser over the tokens of one query. */
class Parser {
  private at = 0;

  constructor(private readonly tokens: Token[]) {}

  private peek(): Token | undefined {
    return this.tokens[this.at];
  }

  private isWord(word: string): boolean {
    const token = this.peek();
    return token?.type === 'word' && token.text.toUpperCase() === word;
  }

  private found(): string {
    const token = this.peek();
    return token ? `but found '${token.text}'` : 'at the end';
  }

  private expect(text: string): void {
    if (this.peek()?.text !== text)
      throw new QueryError(`expected '${text}' ${this.found()}`);
    this.at++;
  }

  private expectWord(word: string, after: string): void {
    if (!this.isWord(word))
      throw new QueryError(`expected ${word} after ${after}`);
    this.at++;
  }

  private field(): string {
    const token = this.peek();
    if (token?.type !== 'word')
      throw new QueryError(`expected a search attribute name ${this.found()}`);
    this.at++;
    return token.text;
  }

  private value(): Value {
    const token = this.peek();
    if (token?.type === 'string') {
      this.at++;
      return token.text;
    }
    if (token?.type === 'number') {
      this.at++;
      return Number(token.text);
    }
    if (token?.type === 'word' && /^(true|false)$/i.test(token.text)) {
      this.at++;
      return token.text.toLowerCase() === 'true';
    }
    throw new QueryError(`expected a value ${this.found()}`);
  }

  query(): Query {
    const query: Query = { orderBy: [] };
    if (this.peek() && !this.isWord('ORDER') && !this.isWord('GROUP'))
      query.filter = this.or();
    if (this.isWord('GROUP')) {
      this.at++;
      this.expectWord('BY', 'GROUP');
      query.groupBy = this.field();
    }
    if (this.isWord('ORDER')) {
      this.at++;
      this.expectWord('BY', 'ORDER');
      query.orderBy.push(this.orderTerm());
      while (this.peek()?.text === ',') {
        this.at++;
        query.orderBy.push(this.orderTerm());
      }
    }
    if (this.peek())
      throw new QueryError(
        `unexpected '${this.peek()!.text}' after the end of the query`,
      );
    return query;
  }

  private orderTerm() {
    const field = this.field();
    let descending = false;
    if (this.isWord('DESC') || this.isWord('ASC')) {
      descending = this.isWord('DESC');
      this.at++;
    }
    return { field, descending };
  }

  private or(): Filter {
    let left = this.and();
    while (this.isWord('OR')) {
      this.at++;
      left = { kind: 'or', left, right: this.and() };
    }
    return left;
  }

  private and(): Filter {
    let left = this.primary();
    while (this.isWord('AND')) {
      this.at++;
      left = { kind: 'and', left, right: this.primary() };
    }
    return left;
  }

  private primary(): Filter {
    if (this.peek()?.text === '(') {
      this.at++;
      const inner = this.or();
      this.expect(')');
      return inner;
    }
    const field = this.field();
    if (this.isWord('STARTS_WITH')) {
      this.at++;
      const prefix = this.value();
      if (typeof prefix !== 'string')
        throw new QueryError(`STARTS_WITH needs a string, got ${prefix}`);
      return { kind: 'startsWith', field, prefix };
    }
    if (this.isWord('NOT') || this.isWord('IN')) {
      const negated = this.isWord('NOT');
      if (negated) this.at++;
      this.expectWord('IN', 'NOT');
      this.expect('(');
      const values = [this.value()];
      while (this.peek()?.text === ',') {
        this.at++;
        values.push(this.value());
      }
      this.expect(')');
      return { kind: 'in', field, values, negated };
    }
    if (this.isWord('IS')) {
      this.at++;
      const negated = this.isWord('NOT');
      if (negated) this.at++;
      this.expectWord('NULL', 'IS');
      return { kind: 'null', field, negated };
    }
    const op = this.peek();
    if (op?.type !== 'op')
      throw new QueryError(
        `expected an operator after ${field} ${this.found()}`,
      );
    this.at++;
    return { kind: 'compare', field, op: op.text, value: this.value() };
  }
}

export function parseQuery(source: string): Query {
  return new Parser(tokenize(source)).query();
}
