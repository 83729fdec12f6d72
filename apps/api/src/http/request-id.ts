import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

const SAFE = /^[A-Za-z0-9._:-]{8,64}$/;

/** Keep a caller's X-Request-Id when it is a safe token, so one id follows a request across systems. */
export function newRequestId(req: IncomingMessage): string {
  const incoming = req.headers['x-request-id'];
  return typeof incoming === 'string' && SAFE.test(incoming) ? incoming : randomUUID();
}
