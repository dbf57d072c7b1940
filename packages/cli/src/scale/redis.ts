import { InvalidConfigError } from '@bctkit/tensor-ops';
import type { ConnectionOptions } from 'bullmq';
import { UsageError } from '../errors/usage-error.js';

/** The Redis URL `bct queue` and `bct worker` use without `--redis`. */
export const DEFAULT_REDIS_URL = 'redis://127.0.0.1:6379';

/**
 * Connection options for BullMQ from a `redis://[user:password@]host[:port][/db]` URL
 * (`rediss://` for TLS).
 * @throws {@link @bctkit/tensor-ops!InvalidConfigError} for anything else.
 */
export function redisConnection(url: string): ConnectionOptions {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new UsageError('--redis', `expected redis://host:port, got '${url}'`);
  }
  if (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:')
    throw new UsageError(
      '--redis',
      `expected a redis:// or rediss:// URL, got '${parsed.protocol}' in '${url}'`,
    );
  const db = parsed.pathname.replace(/^\//, '');
  if (db !== '' && !/^\d+$/.test(db))
    throw new UsageError('--redis', `the database in '${url}' must be a number`);
  return {
    host: parsed.hostname || '127.0.0.1',
    port: parsed.port === '' ? 6379 : Number(parsed.port),
    ...(parsed.username === '' ? {} : { username: decodeURIComponent(parsed.username) }),
    ...(parsed.password === '' ? {} : { password: decodeURIComponent(parsed.password) }),
    ...(db === '' ? {} : { db: Number(db) }),
    ...(parsed.protocol === 'rediss:' ? { tls: {} } : {}),
  };
}

/** `url` without its password, for messages. */
export function redactedUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password !== '') parsed.password = '***';
    return parsed.toString();
  } catch {
    return url;
  }
}

/**
 * Waits until a BullMQ queue or worker is connected, or fails with a clear error after
 * `timeoutMs` (ioredis itself would retry forever).
 */
export async function connected(
  client: { waitUntilReady(): Promise<unknown> },
  url: string,
  timeoutMs = 10_000,
): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () =>
        reject(
          new InvalidConfigError(
            '--redis',
            `cannot reach Redis at ${redactedUrl(url)} within ${timeoutMs / 1000}s (is redis-server running there?)`,
          ),
        ),
      timeoutMs,
    );
  });
  try {
    await Promise.race([client.waitUntilReady(), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
