// Sending SMS to residents through a provider. `log` (the default) sends nothing: the
// notifications table row is the record of what would have been sent. `http` posts to a gateway,
// passing our notification id as the client message id so a retried send is not delivered twice.
import type { Config } from '../config.js';

export interface SmsMessage {
  /** Stable per (ticket, template, round): the gateway's de-duplication key across retries. */
  id: string;
  to: string;
  text: string;
}

export interface Notifier {
  readonly name: string;
  send(message: SmsMessage): Promise<void>;
}

export const logNotifier: Notifier = {
  name: 'log',
  async send() {
    // Nothing leaves the building; the caller stores the text.
  },
};

export function httpNotifier(url: string, timeoutMs = 10_000): Notifier {
  return {
    name: 'http',
    async send(message) {
      const res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'idempotency-key': `hy-sms-${message.id}` },
        body: JSON.stringify({ clientMessageId: `hy-sms-${message.id}`, to: message.to, text: message.text }),
        signal: AbortSignal.timeout(timeoutMs),
      });
      // Never put the answer body in the error: a gateway may echo the phone number.
      if (!res.ok) throw new Error(`SMS gateway answered HTTP ${res.status}`);
    },
  };
}

export function createNotifier(config: Pick<Config, 'SMS_PROVIDER' | 'SMS_HTTP_URL'>): Notifier {
  if (config.SMS_PROVIDER === 'http') {
    if (!config.SMS_HTTP_URL) throw new Error('SMS_PROVIDER=http needs SMS_HTTP_URL');
    return httpNotifier(config.SMS_HTTP_URL);
  }
  return logNotifier;
}
