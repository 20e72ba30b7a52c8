/*
 * The commands' launcher (bin/run.js) runs the compiled JavaScript only while it is newer than
 * every source file, and the TypeScript sources otherwise.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { compiledIsCurrent } = require('../bin/run.js') as {
  compiledIsCurrent(packageDir: string): boolean;
};

describe('the launcher', () => {
  let dir: string;
  const write = (file: string, secondsAgo: number) => {
    const full = path.join(dir, file);
    fs.mkdirSync(path.dirname(full), { recursive: true });
    fs.writeFileSync(full, '');
    const at = Date.now() / 1000 - secondsAgo;
    fs.utimesSync(full, at, at);
  };

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'launcher-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('runs the sources when nothing was compiled', () => {
    write('src/cli.ts', 60);
    expect(compiledIsCurrent(dir)).toBe(false);
  });

  it('runs the compiled CLI when it was built after every source change', () => {
    write('src/cli.ts', 60);
    write('src/store/SqliteStore.ts', 50);
    write('dist/cli.cjs.js', 10);
    expect(compiledIsCurrent(dir)).toBe(true);
  });

  it('runs the sources again once any source file, however deep, is newer than the build', () => {
    write('src/cli.ts', 60);
    write('dist/cli.cjs.js', 10);
    write('src/store/SqliteStore.ts', 1);
    expect(compiledIsCurrent(dir)).toBe(false);
  });
});
