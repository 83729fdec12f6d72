import { randomBytes, scrypt as scryptCb, timingSafeEqual } from 'node:crypto';
import { promisify } from 'node:util';

const scrypt = promisify(scryptCb) as (
  password: string,
  salt: Buffer,
  keylen: number,
  options: object,
) => Promise<Buffer>;
const PARAMS = { N: 16384, r: 8, p: 1 };

/** A client secret is shown once and stored only as a salted scrypt hash. */
export async function hashSecret(secret: string): Promise<string> {
  const salt = randomBytes(16);
  const hash = await scrypt(secret, salt, 32, PARAMS);
  return `scrypt$${PARAMS.N}$${salt.toString('base64url')}$${hash.toString('base64url')}`;
}

export async function verifySecret(secret: string, stored: string): Promise<boolean> {
  const [scheme, n, salt, hash] = stored.split('$');
  if (scheme !== 'scrypt' || !n || !salt || !hash) return false;
  const expected = Buffer.from(hash, 'base64url');
  const actual = await scrypt(secret, Buffer.from(salt, 'base64url'), expected.length, {
    ...PARAMS,
    N: Number(n),
  });
  return timingSafeEqual(actual, expected);
}

export const newSecret = () => randomBytes(32).toString('base64url');
export const newClientId = (prefix: string) => `${prefix}-${randomBytes(6).toString('hex')}`;

let dummy: Promise<string> | undefined;
/**
 * A hash of a random secret nobody knows, with the same parameters as real ones: checked against
 * when the client id is unknown, so an unknown id costs the same scrypt work as a wrong secret.
 */
export const dummySecretHash = () => (dummy ??= hashSecret(newSecret()));
