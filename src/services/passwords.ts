// Argon2id password hashing (the @node-rs/argon2 default algorithm, OWASP parameters).
import { randomInt } from 'node:crypto';
import { hash, verify } from '@node-rs/argon2';

export const hashPassword = (password: string): Promise<string> => hash(password);

// Verifying against this when the user does not exist keeps unknown-user and wrong-password
// answers equally slow.
let dummyHash: Promise<string> | null = null;

export async function verifyPassword(passwordHash: string | null, password: string): Promise<boolean> {
  if (passwordHash === null) {
    dummyHash ??= hash('huiying-timing-equaliser');
    await verify(await dummyHash, password).catch(() => false);
    return false;
  }
  return verify(passwordHash, password).catch(() => false);
}

// No 0/O, 1/l/I: the operator copies it from a log line by hand.
const ONE_TIME_ALPHABET = 'abcdefghijkmnpqrstuvwxyz23456789';

/** A one-time password: 4 groups of 4 (about 80 bits), e.g. `k7mq-x2ra-9fzt-c4hw`. */
export function generateOneTimePassword(): string {
  const groups = Array.from({ length: 4 }, () =>
    Array.from({ length: 4 }, () => ONE_TIME_ALPHABET[randomInt(ONE_TIME_ALPHABET.length)]).join(''),
  );
  return groups.join('-');
}
