import fs from 'node:fs';

/** A credential file's text; the error names the file and why, never what is in it. */
export function readFile(file: string, what: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (error) {
    throw new Error(
      `cannot read ${what} ${file}: ${(error as NodeJS.ErrnoException).code}`,
    );
  }
}
