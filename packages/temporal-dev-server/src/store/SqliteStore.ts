/*
 * Durable state in SQLite (--db-filename): namespaces, and every run as its state plus its
 * history events. Changed runs are written in one transaction before the server answers the
 * request that changed them, so a `kill -9` loses nothing a client was told about.
 */
import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { deserialize, serialize } from 'node:v8';
import type { NamespaceInfo } from '../Namespaces';
import type { Execution, HistoryEvent } from '../state';

export class SqliteStore {
  private readonly db: Database.Database;
  private readonly dirty = new Set<Execution>();
  /** How many of each run's events are already written. */
  private readonly written = new Map<string, number>();
  private flushQueued = false;

  constructor(filename: string) {
    if (filename !== ':memory:')
      mkdirSync(dirname(filename), { recursive: true });
    this.db = new Database(filename);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = NORMAL');
    this.db.exec(`
      CREATE TABLE IF NOT EXISTS namespaces (name TEXT PRIMARY KEY, info TEXT);
      CREATE TABLE IF NOT EXISTS search_attributes (
        namespace TEXT NOT NULL,
        name TEXT NOT NULL,
        type INTEGER NOT NULL,
        PRIMARY KEY (namespace, name)
      );
      CREATE TABLE IF NOT EXISTS runs (
        run_id TEXT PRIMARY KEY,
        state BLOB NOT NULL
      );
      CREATE TABLE IF NOT EXISTS events (
        run_id TEXT NOT NULL,
        event_id INTEGER NOT NULL,
        event BLOB NOT NULL,
        PRIMARY KEY (run_id, event_id)
      );
    `);
    const columns = this.db.pragma('table_info(namespaces)') as Array<{
      name: string;
    }>;
    if (!columns.some(c => c.name === 'info'))
      this.db.exec('ALTER TABLE namespaces ADD COLUMN info TEXT');
  }

  /** Kept namespaces; those of files written before their registrations were kept, by name. */
  namespaces(): Array<NamespaceInfo | string> {
    return (
      this.db.prepare('SELECT name, info FROM namespaces').all() as Array<{
        name: string;
        info: string | null;
      }>
    ).map(row => (row.info ? JSON.parse(row.info) : row.name));
  }

  addNamespace(info: NamespaceInfo): void {
    this.db
      .prepare('INSERT OR IGNORE INTO namespaces (name, info) VALUES (?, ?)')
      .run(info.name, JSON.stringify(info));
  }

  /** Custom search attributes by namespace. */
  searchAttributes(): Map<string, Record<string, number>> {
    const byNamespace = new Map<string, Record<string, number>>();
    for (const row of this.db
      .prepare('SELECT namespace, name, type FROM search_attributes')
      .all() as Array<{ namespace: string; name: string; type: number }>) {
      const attributes = byNamespace.get(row.namespace) ?? {};
      attributes[row.name] = row.type;
      byNamespace.set(row.namespace, attributes);
    }
    return byNamespace;
  }

  putSearchAttributes(
    namespace: string,
    attributes: Record<string, number>,
  ): void {
    const put = this.db.prepare(
      'INSERT INTO search_attributes (namespace, name, type) VALUES (?, ?, ?)',
    );
    this.db.transaction(() => {
      this.db
        .prepare('DELETE FROM search_attributes WHERE namespace = ?')
        .run(namespace);
      for (const [name, type] of Object.entries(attributes))
        put.run(namespace, name, type);
    })();
  }

  /** Every saved run with its history. */
  load(): Execution[] {
    const events = new Map<string, HistoryEvent[]>();
    for (const row of this.db
      .prepare('SELECT run_id, event FROM events ORDER BY run_id, event_id')
      .iterate() as Iterable<{ run_id: string; event: Buffer }>) {
      const list = events.get(row.run_id) ?? [];
      list.push(deserialize(row.event));
      events.set(row.run_id, list);
    }
    const runs: Execution[] = [];
    for (const row of this.db
      .prepare('SELECT run_id, state FROM runs')
      .iterate() as Iterable<{ run_id: string; state: Buffer }>) {
      const run = deserialize(row.state) as Execution;
      run.history = events.get(row.run_id) ?? [];
      this.written.set(run.runId, run.history.length);
      runs.push(run);
    }
    return runs;
  }

  /** Marks a run changed; it is written before the current request is answered. */
  save(run: Execution): void {
    this.dirty.add(run);
    if (!this.flushQueued) {
      this.flushQueued = true;
      queueMicrotask(() => this.flush());
    }
  }

  flush(): void {
    this.flushQueued = false;
    if (this.dirty.size === 0) return;
    const runs = [...this.dirty];
    this.dirty.clear();
    const putRun = this.db.prepare(
      'INSERT OR REPLACE INTO runs (run_id, state) VALUES (?, ?)',
    );
    const putEvent = this.db.prepare(
      'INSERT OR REPLACE INTO events (run_id, event_id, event) VALUES (?, ?, ?)',
    );
    this.db.transaction(() => {
      for (const run of runs) {
        putRun.run(run.runId, serialize({ ...run, history: [] }));
        const from = this.written.get(run.runId) ?? 0;
        // A closed run's history is read back only if it has events not written yet.
        const length = run.historyLength ?? run.history.length;
        if (length > from)
          for (const event of run.history.slice(from))
            putEvent.run(run.runId, event.eventId, serialize(event));
        this.written.set(run.runId, length);
      }
    })();
  }

  close(): void {
    this.flush();
    this.db.close();
  }
}
