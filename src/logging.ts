// pino options shared by the API and the workers: personal data never reaches a log line.
// Request URLs lose their query string (public lookups carry the verification digits there), and
// any field that could hold a name, phone or address is redacted wherever it appears.
import type { LoggerOptions } from 'pino';

/** What the services, the relay and the workers log through: pino, or a stand-in in tests. */
export interface Log {
  info: (obj: unknown, msg?: string) => void;
  warn: (obj: unknown, msg?: string) => void;
  error: (obj: unknown, msg?: string) => void;
}

export const REDACT_PATHS = [
  'req.headers.cookie',
  'req.headers.authorization',
  'req.headers["x-csrf-token"]',
  'res.headers["set-cookie"]',
  '*.complainant',
  '*.complainantName',
  '*.complainantPhone',
  '*.phone',
  '*.name',
  '*.address',
  '*.password',
  '*.verify',
];

export function loggerOptions(level: string): LoggerOptions {
  return {
    level,
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    serializers: {
      req(req: { method: string; url: string; id: string; ip?: string }) {
        return { id: req.id, method: req.method, url: req.url.split('?')[0] };
      },
    },
  };
}
