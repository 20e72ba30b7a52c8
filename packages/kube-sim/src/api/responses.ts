/*
 * Writing answers: a JSON body with its length, and any error as a Kubernetes `Status` (a 500
 * without details for what is not a StatusError: those go to the log, never to the client).
 */
import type http from 'node:http';
import { StatusError } from './status';

export function sendJson(
  res: http.ServerResponse,
  code: number,
  body: unknown,
) {
  const text = JSON.stringify(body);
  res.writeHead(code, {
    'Content-Type': 'application/json',
    'Content-Length': Buffer.byteLength(text),
  });
  res.end(text);
}

/** Answers a failed request with its Status (or ends a stream already started); returns the code. */
export function sendError(
  res: http.ServerResponse,
  error: unknown,
  logUnexpected: (error: unknown) => void,
): number {
  const status = error instanceof StatusError ? error : undefined;
  if (!status) logUnexpected(error);
  const body =
    status?.toBody() ??
    new StatusError(
      500,
      'InternalError',
      'an internal error occurred; see the simulator log',
    ).toBody();
  if (!res.headersSent) sendJson(res, body.code, body);
  else res.end();
  return body.code;
}
