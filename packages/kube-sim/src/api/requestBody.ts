/*
 * Reading what a client sent: the whole body as text, and JSON parsed with a 400 that says why
 * when it is not JSON.
 */
import type http from 'node:http';
import { StatusError } from './status';

export async function readBody(req: http.IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

export function parseJson(text: string): any {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw StatusError.badRequest(
      `the request body is not valid JSON: ${(error as Error).message}`,
    );
  }
}
