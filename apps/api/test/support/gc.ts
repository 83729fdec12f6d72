import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/**
 * A full garbage collection on demand, for tests that measure what the heap keeps. `global.gc` exists
 * under `node --expose-gc`; without it, the flag is set at run time and a new context gets the
 * function, so the tests need no special runner.
 */
export function collector(): () => void {
  const exposed = (globalThis as { gc?: () => void }).gc;
  if (exposed) return exposed;
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
}
