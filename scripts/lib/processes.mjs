/*
 * Child processes that run in their own process group, so that stopping one stops everything it
 * started (backstage-cli, for instance, runs the backend in a grandchild process).
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import readline from 'node:readline';

/** Spawns a command in a new process group and prefixes every line of its output with its name. */
export function spawnGroup(name, command, args, options = {}) {
  const child = spawn(command, args, {
    ...options,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const prefix = `[${name}]`.padEnd(10);
  for (const [stream, out] of [
    [child.stdout, process.stdout],
    [child.stderr, process.stderr],
  ]) {
    readline
      .createInterface({ input: stream, crlfDelay: Infinity })
      .on('line', line => out.write(`${prefix} ${line}\n`));
  }
  child.exited = new Promise(resolve => {
    child.on('exit', (code, signal) => resolve({ code, signal }));
    child.on('error', error => resolve({ code: null, signal: null, error }));
  });
  return child;
}

/** Sends a signal to a child's whole process group; a group that is already gone is fine. */
export function signalGroup(child, signal) {
  if (!child.pid) return;
  try {
    process.kill(-child.pid, signal);
  } catch (error) {
    if (error.code !== 'ESRCH') throw error;
  }
}

/** Asks every group to stop, then kills whatever is still there after `graceMs`. */
export async function stopGroups(children, graceMs = 10_000) {
  for (const child of children) signalGroup(child, 'SIGTERM');
  let timer;
  const grace = new Promise(resolve => {
    timer = setTimeout(resolve, graceMs);
  });
  await Promise.race([Promise.all(children.map(child => child.exited)), grace]);
  clearTimeout(timer);
  // Grandchildren may outlive their group leader; SIGKILL reaches them through the group.
  for (const child of children) signalGroup(child, 'SIGKILL');
}

/** Resolves when nothing listens on the port; rejects with what to do when something does. */
export function assertPortFree(port) {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', error => {
      reject(
        error.code === 'EADDRINUSE'
          ? new Error(
              `port ${port} is already in use; stop whatever listens there (\`ss -ltnp 'sport = :${port}'\` shows it) and try again`,
            )
          : error,
      );
    });
    // No host: the wildcard address conflicts with a listener on any interface.
    server.listen({ port, exclusive: true }, () =>
      server.close(() => resolve()),
    );
  });
}

/** Polls a URL until it answers with a status below 500, or the deadline passes. */
export async function waitForHttp(url, { timeoutMs, isAlive = () => true }) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(5_000) });
      if (res.status < 500) return;
    } catch {
      // Not listening yet.
    }
    if (!isAlive())
      throw new Error(`the process serving ${url} exited before it was ready`);
    if (Date.now() > deadline) {
      throw new Error(
        `${url} did not answer within ${Math.round(timeoutMs / 1000)} s`,
      );
    }
    await new Promise(resolve => setTimeout(resolve, 500));
  }
}

/**
 * Polls until `file` has been written since `since` (ms since the epoch): for services that write
 * a file once everything they set up at start is in place.
 */
export async function waitForFile(
  file,
  { timeoutMs, since, isAlive = () => true },
) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const written = fs.statSync(file, { throwIfNoEntry: false })?.mtimeMs;
    // File times can be a little behind the clock that took `since`.
    if (written !== undefined && written >= since - 1_000) return;
    if (!isAlive())
      throw new Error(`the process writing ${file} exited before it was ready`);
    if (Date.now() > deadline)
      throw new Error(
        `${file} was not written within ${Math.round(timeoutMs / 1000)} s`,
      );
    await new Promise(resolve => setTimeout(resolve, 200));
  }
}

/** Polls a TCP port until something accepts connections, or the deadline passes. */
export async function waitForTcp(port, { timeoutMs, isAlive = () => true }) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const open = await new Promise(resolve => {
      const socket = net.connect({ port, host: '127.0.0.1' });
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (open) return;
    if (!isAlive())
      throw new Error(
        `the process for port ${port} exited before it was ready`,
      );
    if (Date.now() > deadline)
      throw new Error(
        `port ${port} did not open within ${Math.round(timeoutMs / 1000)} s`,
      );
    await new Promise(resolve => setTimeout(resolve, 250));
  }
}
