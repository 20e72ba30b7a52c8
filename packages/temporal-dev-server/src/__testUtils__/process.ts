/*
 * Spawning the package's commands in tests: free ports, waiting for the ready line, the CPU time
 * a process has used.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname } from 'node:path';

/** The package's bin directory, wherever the tests run from. */
export const BIN = dirname(require.resolve('../../bin/temporal'));

export function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const server = createServer();
    server.on('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => done(port));
    });
  });
}

export interface Spawned {
  child: ChildProcess;
  /** The line that matched. */
  line: string;
  /** What it wrote on stderr so far. */
  stderr(): string;
}

/** Spawns a command and resolves once it printed a line matching `ready`. */
export function spawnReady(
  command: string,
  args: string[],
  ready: RegExp,
): Promise<Spawned> {
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', chunk => {
    stderr += chunk;
  });
  return new Promise((done, fail) => {
    let stdout = '';
    child.stdout!.on('data', chunk => {
      stdout += chunk;
      const line = stdout.split('\n').find(l => ready.test(l));
      if (line) done({ child, line, stderr: () => stderr });
    });
    child.on('exit', code =>
      fail(
        new Error(
          `${command} exited with ${code} before it was ready: ${stderr}`,
        ),
      ),
    );
  });
}

/** The unit of /proc's CPU times: clock ticks per second (USER_HZ). */
const TICKS_PER_SECOND = Number(execFileSync('getconf', ['CLK_TCK'])) || 100;

/**
 * The CPU time a running process has used so far, all its threads together, in milliseconds:
 * the work it did, which other work on a busy machine does not stretch as it stretches the wall
 * time (from Linux's /proc).
 */
export function cpuMsOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // The fields after the command's name, which is in parentheses and may hold spaces: utime and
  // stime are the 14th and 15th of the line.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / TICKS_PER_SECOND;
}

export function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null)
    return Promise.resolve();
  return new Promise(done => child.once('exit', () => done()));
}

/** Resolves once the process exited and its output streams closed (all it wrote was read). */
export function closed(child: ChildProcess): Promise<number | null> {
  const ended = child.exitCode !== null || child.signalCode !== null;
  if (ended && [child.stdout, child.stderr].every(s => !s || s.closed))
    return Promise.resolve(child.exitCode);
  return new Promise(done => child.once('close', code => done(code)));
}
