import type { DeliveryResult } from './deliverer.js';
import type { ObservedAttempt } from './delivery-attempt.js';
import { Metrics } from './metrics.js';

const result = (kind: DeliveryResult['kind'], statusCode: number | null): DeliveryResult => ({
  kind,
  statusCode,
  durationMs: 20,
  responseBody: null,
  error: null,
  retryAfterMs: null,
});
const at = new Date(Date.UTC(2026, 0, 1));
const observe = (metrics: Metrics, attempt: Partial<ObservedAttempt> & Pick<ObservedAttempt, 'trigger'>) =>
  metrics.attempted({ result: result('retryable', 500), status: null, dueAt: null, startedAt: at, ...attempt });

async function value(metrics: Metrics, name: string, labels: Record<string, string> = {}): Promise<number> {
  const metric = (await metrics.registry.getMetricsAsJSON()).find((m) => m.name === name);
  const match = metric?.values.find((v) => Object.entries(labels).every(([k, l]) => String(v.labels[k]) === l));
  return match?.value ?? 0;
}

describe('Metrics.attempted', () => {
  test('every attempt counts by result and trigger', async () => {
    const metrics = new Metrics({ defaultMetrics: false });
    observe(metrics, { trigger: 'schedule', result: result('delivered', 200), status: 'SUCCEEDED' });
    observe(metrics, { trigger: 'ping', result: result('gone', 410) });
    expect(await value(metrics, 'hookrelay_delivery_attempts_total', { result: 'delivered', trigger: 'schedule' })).toBe(1);
    expect(await value(metrics, 'hookrelay_delivery_attempts_total', { result: 'gone', trigger: 'ping' })).toBe(1);
    expect(await value(metrics, 'hookrelay_deliveries_total', { outcome: 'SUCCEEDED', trigger: 'schedule' })).toBe(1);
  });

  test('a ping has no notification: no outcome is counted', async () => {
    const metrics = new Metrics({ defaultMetrics: false });
    observe(metrics, { trigger: 'ping' });
    const outcomes = (await metrics.registry.getMetricsAsJSON()).find((m) => m.name === 'hookrelay_deliveries_total');
    expect(outcomes?.values).toEqual([]);
  });

  test('only a scheduled attempt expires a notification; a failed resend of an EXPIRED one does not count again', async () => {
    const metrics = new Metrics({ defaultMetrics: false });
    observe(metrics, { trigger: 'resend', status: 'EXPIRED' });
    expect(await value(metrics, 'hookrelay_notifications_expired_total')).toBe(0);
    observe(metrics, { trigger: 'sendexpired', status: 'EXPIRED' });
    observe(metrics, { trigger: 'schedule', status: 'EXPIRED' });
    expect(await value(metrics, 'hookrelay_notifications_expired_total')).toBe(2);
  });

  test('lag is observed only for an attempt that was due', async () => {
    const metrics = new Metrics({ defaultMetrics: false });
    observe(metrics, { trigger: 'resend', status: 'SUCCEEDED' });
    observe(metrics, { trigger: 'schedule', status: 'PENDING', dueAt: new Date(at.getTime() - 2000) });
    expect(await value(metrics, 'hookrelay_delivery_lag_seconds', { le: '5' })).toBe(1);
    expect(await value(metrics, 'hookrelay_delivery_lag_seconds', { le: '1' })).toBe(0);
  });
});
