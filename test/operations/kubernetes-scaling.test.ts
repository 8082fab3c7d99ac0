/**
 * How deploy/kubernetes scales the workers, checked without a cluster: KEDA
 * triggers on the Redis keys and the gauge the workers really write and
 * export, and the HPA overlay that replaces KEDA. The rendering is that of
 * ../support/k8s-manifests.ts.
 */
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { loadConfig, QUEUES } from '@hookrelay/core';
import { Metrics } from '@hookrelay/delivery';
import { RETRY_PRIORITY } from '@hookrelay/scheduling';
import { testQueuePrefix, testRedisUrl } from '../support/env.js';
import { BASE, container, envFor, find, HPA, render, renderBase, useKubectl, yaml } from '../support/k8s-manifests.js';
import { renderWithKubectl, renderWithYaml, type K8sObject } from '../support/kustomize.js';

describe('deploy/kubernetes, rendered: worker scaling', () => {
  let objects: K8sObject[];
  let worker: K8sObject;
  let configMap: K8sObject;

  beforeAll(() => {
    ({ objects, worker, configMap } = renderBase());
  });

  test('KEDA scales the workers on every queue: the events wait list, and the deliveries ready to run through the gauge the workers export', async () => {
    const scaled = find(objects, 'ScaledObject', 'hookrelay-worker');
    expect(scaled.spec.scaleTargetRef.name).toBe(worker.metadata.name);
    const prefix = loadConfig(envFor(container(worker), configMap)).queuePrefix;
    const triggers = scaled.spec.triggers as { type: string; name: string; metadata: Record<string, string>; authenticationRef?: { name: string } }[];
    // events: not prioritized, so BullMQ's wait list holds what is ready
    const lists = triggers.filter((t) => t.type === 'redis');
    expect(lists.map((t) => t.metadata.listName)).toEqual([`${prefix}:${QUEUES.events}:wait`]);
    for (const t of lists) {
      expect(Number(t.metadata.listLength)).toBeGreaterThan(0);
      expect(find(objects, 'TriggerAuthentication', t.authenticationRef!.name).spec.secretTargetRef.every((r: any) => r.name === 'hookrelay')).toBe(true);
    }
    // deliveries: every job carries a priority (fair delivery), so the ready ones are the prioritized set, counted by a gauge
    const [prom] = triggers.filter((t) => t.type === 'prometheus');
    expect(triggers.map((t) => t.type).sort()).toEqual(['prometheus', 'redis']);
    expect(Number(prom!.metadata.threshold)).toBeGreaterThan(0);
    const gauge = /\b(hookrelay_[a-z_]+)\b/.exec(prom!.metadata.query)![1]!;
    // the worker really exports that gauge, counting <prefix>:deliveries:prioritized for first attempts and retries
    const connection = new Redis(testRedisUrl(), { maxRetriesPerRequest: null });
    const probePrefix = testQueuePrefix();
    const queue = new Queue(QUEUES.deliveries, { connection, prefix: probePrefix });
    const metrics = new Metrics({ defaultMetrics: false });
    metrics.watchFairness(queue, connection, probePrefix);
    try {
      await queue.add('deliver', { probe: 1 }, { priority: 1 });
      await queue.add('deliver', { probe: 2 }, { priority: RETRY_PRIORITY });
      const text = await metrics.registry.metrics();
      expect(text).toContain(`${gauge}{attempt="first"} 1`);
      expect(text).toContain(`${gauge}{attempt="retry"} 1`);
      expect(await connection.zcard(`${probePrefix}:${QUEUES.deliveries}:prioritized`)).toBe(2);
    } finally {
      await queue.obliterate({ force: true });
      await queue.close();
      connection.disconnect();
    }
    // Prometheus finds the workers: their pods are annotated for scraping on the metrics port
    const annotations = worker.spec.template.metadata.annotations;
    expect(annotations['prometheus.io/scrape']).toBe('true');
    expect(Number(annotations['prometheus.io/port'])).toBe(container(worker).ports[0].containerPort);
  });

  test('those are the keys BullMQ really writes: waiting jobs in <prefix>:<queue>:wait, prioritized ones in :prioritized', async () => {
    const prefix = testQueuePrefix();
    const connection = new Redis(testRedisUrl(), { maxRetriesPerRequest: null });
    const queue = new Queue(QUEUES.deliveries, { connection, prefix });
    try {
      await queue.add('deliver', { probe: 1 });
      await queue.add('deliver', { probe: 2 }, { priority: 5 });
      expect(await connection.type(`${prefix}:${QUEUES.deliveries}:wait`)).toBe('list');
      expect(await connection.llen(`${prefix}:${QUEUES.deliveries}:wait`)).toBe(1);
      expect(await connection.zcard(`${prefix}:${QUEUES.deliveries}:prioritized`)).toBe(1);
    } finally {
      await queue.obliterate({ force: true });
      await queue.close();
      connection.disconnect();
    }
  });
});

describe('deploy/kubernetes/overlays/hpa', () => {
  test('replaces the KEDA objects with a CPU HorizontalPodAutoscaler on the workers; the rest is the default', () => {
    const base = render(BASE);
    const hpa = render(HPA);
    const kinds = (objs: K8sObject[]) => objs.map((o) => `${o.kind}/${o.metadata.name}`).sort();
    expect(kinds(hpa)).toEqual(
      kinds(base)
        .filter((k) => !k.startsWith('ScaledObject/') && !k.startsWith('TriggerAuthentication/'))
        .concat('HorizontalPodAutoscaler/hookrelay-worker')
        .sort(),
    );
    const autoscaler = find(hpa, 'HorizontalPodAutoscaler', 'hookrelay-worker');
    expect(autoscaler.spec.scaleTargetRef).toEqual({ apiVersion: 'apps/v1', kind: 'Deployment', name: 'hookrelay-worker' });
    expect(autoscaler.spec.metrics[0].resource.name).toBe('cpu');
    expect(find(hpa, 'Deployment', 'hookrelay-worker')).toEqual(find(base, 'Deployment', 'hookrelay-worker'));
  });
});

(useKubectl ? test : test.skip)('the fallback renderer agrees with kubectl kustomize', () => {
  const sortByName = (objs: K8sObject[]) => [...objs].sort((a, b) => `${a.kind}/${a.metadata.name}`.localeCompare(`${b.kind}/${b.metadata.name}`));
  for (const dir of [BASE, HPA]) expect(sortByName(renderWithYaml(dir, yaml))).toEqual(sortByName(renderWithKubectl(dir, yaml)));
});
