/**
 * deploy/kubernetes, checked without a cluster (nobody can run one here):
 * rendered with `kubectl kustomize` (or, without a recent kubectl, the
 * fallback in ../support/kustomize.ts), then held against what the apps
 * really use: the Dockerfile's images, commands and ports, the health routes,
 * the configuration loader's variables, the worker's shutdown drain, and the
 * Redis keys BullMQ writes for the configured QUEUE_PREFIX.
 */
import { readFileSync, readdirSync, existsSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { configVariables, createLogger, loadConfig, QUEUES } from '@hookrelay/core';
import { Metrics, RETRY_PRIORITY, startMetricsServer } from '@hookrelay/services';
import { healthRoutes } from '../../packages/http/src/routes/health.js';
import { containersOf, kubectlKustomizeMajor, renderWithKubectl, renderWithYaml, yamlModule, type K8sObject } from '../support/kustomize.js';
import { testQueuePrefix, testRedisUrl } from '../support/env.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const BASE = path.join(ROOT, 'deploy', 'kubernetes');
const HPA = path.join(BASE, 'overlays', 'hpa');
const yaml = yamlModule(ROOT);
const major = kubectlKustomizeMajor();
// HOOKRELAY_KUSTOMIZE=yaml forces the fallback renderer (to test it where kubectl exists)
const useKubectl = major !== null && major >= 4 && process.env.HOOKRELAY_KUSTOMIZE !== 'yaml';
if (!useKubectl) console.warn(`test/operations/kubernetes.test.ts: no kubectl with Kustomize >= v4 (found ${major ?? 'none'}); rendering with the yaml fallback`);
const render = (dir: string) => (useKubectl ? renderWithKubectl(dir, yaml) : renderWithYaml(dir, yaml));

/** Queues another branch may add (fair delivery's retry queue); the trigger lists them ahead. */

function find(objects: K8sObject[], kind: string, name: string): K8sObject {
  const found = objects.find((o) => o.kind === kind && o.metadata.name === name);
  if (!found) throw new Error(`no ${kind} ${name} in the rendered manifests`);
  return found;
}

/** The `CMD [...]` and `ENV`/`EXPOSE` of one stage of docker/Dockerfile. */
function dockerStage(stage: string): { cmd: string[]; env: Record<string, string>; expose: string[]; from: string } {
  const text = readFileSync(path.join(ROOT, 'docker', 'Dockerfile'), 'utf8').replace(/\\\n/g, ' ');
  const lines = text.split('\n');
  const start = lines.findIndex((l) => new RegExp(`^FROM\\s+\\S+\\s+AS\\s+${stage}\\s*$`, 'i').test(l));
  if (start < 0) throw new Error(`no stage ${stage} in docker/Dockerfile`);
  const from = /^FROM\s+(\S+)/i.exec(lines[start]!)![1]!;
  const end = lines.findIndex((l, i) => i > start && /^FROM\s/i.test(l));
  const body = lines.slice(start + 1, end < 0 ? undefined : end);
  const cmdLine = body.filter((l) => /^CMD\s/.test(l)).pop();
  const env: Record<string, string> = {};
  for (const l of body.filter((x) => /^ENV\s/.test(x))) for (const [, k, v] of l.matchAll(/([A-Z_]+)=(\S+)/g)) env[k!] = v!;
  const expose = body.filter((l) => /^EXPOSE\s/.test(l)).flatMap((l) => l.split(/\s+/).slice(1));
  return { cmd: cmdLine ? (JSON.parse(cmdLine.replace(/^CMD\s+/, '')) as string[]) : [], env, expose, from };
}

/** A stage's CMD, following `FROM <stage>` when it has none of its own. */
function dockerCmd(stage: string): string[] {
  const s = dockerStage(stage);
  return s.cmd.length ? s.cmd : dockerCmd(s.from);
}

function envNames(container: any, configMap: K8sObject): string[] {
  const fromMaps = (container.envFrom ?? []).flatMap((e: any) => {
    if (e.configMapRef?.name !== configMap.metadata.name) throw new Error(`envFrom ${JSON.stringify(e)} is not the ConfigMap`);
    return Object.keys(configMap.data ?? {});
  });
  return [...fromMaps, ...(container.env ?? []).map((e: any) => e.name)];
}

/** The environment a container gets, with secrets replaced by placeholders and empty values dropped (unset). */
function envFor(container: any, configMap: K8sObject): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(configMap.data ?? {})) if (v !== '') env[k] = v;
  for (const e of container.env ?? []) {
    if (e.value !== undefined) env[e.name] = e.value;
    else if (e.valueFrom?.secretKeyRef && !e.valueFrom.secretKeyRef.optional) {
      env[e.name] = { DATABASE_URL: 'postgresql://hookrelay:pw@postgres:5432/hookrelay', REDIS_URL: 'redis://redis:6379' }[e.name as string] ?? `placeholder-${e.name}-0123456789`;
    }
  }
  return env;
}

const portOf = (container: any, port: string | number) =>
  typeof port === 'number' ? port : container.ports.find((p: any) => p.name === port)?.containerPort;

describe('deploy/kubernetes, rendered', () => {
  let objects: K8sObject[];
  let api: K8sObject;
  let worker: K8sObject;
  let migrate: K8sObject;
  let configMap: K8sObject;
  const container = (o: K8sObject) => containersOf(o)[0]!;

  beforeAll(() => {
    objects = render(BASE);
    api = find(objects, 'Deployment', 'hookrelay-api');
    worker = find(objects, 'Deployment', 'hookrelay-worker');
    migrate = find(objects, 'Job', 'hookrelay-migrate');
    configMap = find(objects, 'ConfigMap', 'hookrelay');
  });

  test('holds the API Deployment and Service, the worker Deployment, the migrate Job, the ConfigMap, PDBs and the KEDA objects', () => {
    expect(objects.map((o) => `${o.kind}/${o.metadata.name}`).sort()).toEqual([
      'ConfigMap/hookrelay',
      'Deployment/hookrelay-api',
      'Deployment/hookrelay-worker',
      'Job/hookrelay-migrate',
      'PodDisruptionBudget/hookrelay-api',
      'PodDisruptionBudget/hookrelay-worker',
      'ScaledObject/hookrelay-worker',
      'Service/hookrelay-api',
      'TriggerAuthentication/hookrelay-redis',
    ]);
  });

  test('no secret values in the repository: secrets only by reference to the Secret `hookrelay`', () => {
    expect(objects.filter((o) => o.kind === 'Secret')).toEqual([]);
    const files = (dir: string): string[] => readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? files(path.join(dir, e.name)) : [path.join(dir, e.name)]));
    for (const file of files(BASE).filter((f) => f.endsWith('.yaml'))) expect({ file, secret: /^kind:\s*Secret\b/m.test(readFileSync(file, 'utf8')) }).toEqual({ file, secret: false });
    const secretish = /KEY|URL|PASSWORD|TOKEN/;
    for (const o of [api, worker, migrate]) {
      for (const e of container(o).env ?? []) {
        if (secretish.test(e.name) && e.name !== 'PUBLIC_BASE_URL') expect({ name: e.name, ref: e.valueFrom?.secretKeyRef?.name }).toEqual({ name: e.name, ref: 'hookrelay' });
      }
    }
    for (const key of Object.keys(configMap.data ?? {})) expect(key).not.toMatch(/^(DATABASE_URL|REDIS_URL|ADMIN_API_KEY|SECRET_ENCRYPTION_KEY.*)$/);
  });

  test('images are the docker/Dockerfile targets, run with the same commands', () => {
    const dockerfile = readFileSync(path.join(ROOT, 'docker', 'Dockerfile'), 'utf8');
    for (const [o, target] of [[api, 'api'], [worker, 'worker'], [migrate, 'migrate']] as const) {
      const c = container(o);
      expect(c.image.replace(/[:@].*$/, '')).toBe(`hookrelay-${target}`);
      expect(dockerfile).toContain(`--target ${target}`);
      expect(c.command).toEqual(dockerCmd(target));
    }
    // the scripts those commands start are built from these sources
    for (const app of ['api', 'worker']) {
      expect(container(app === 'api' ? api : worker).command).toContain(`apps/${app}/dist/main.js`);
      expect(existsSync(path.join(ROOT, 'apps', app, 'src', 'main.ts'))).toBe(true);
    }
  });

  test('ports: the API on PORT (3000) behind the Service, the worker metrics on WORKER_METRICS_PORT (9464), as in compose', () => {
    const compose = yaml.parse(readFileSync(path.join(ROOT, 'docker', 'compose.yml'), 'utf8'), { merge: true }) as any;
    const apiC = container(api);
    const apiPort = apiC.ports[0].containerPort;
    expect(apiPort).toBe(Number(dockerStage('api').env.PORT));
    expect(apiPort).toBe(Number(compose.services.api.environment.PORT));
    expect(loadConfig(envFor(apiC, configMap), { requireAdminKey: true }).api.port).toBe(apiPort);
    const service = find(objects, 'Service', 'hookrelay-api');
    expect(service.spec.selector).toEqual(api.spec.template.metadata.labels);
    expect(portOf(apiC, service.spec.ports[0].targetPort)).toBe(apiPort);

    const workerC = container(worker);
    const metricsPort = workerC.ports[0].containerPort;
    expect(metricsPort).toBe(Number(dockerStage('worker').env.WORKER_METRICS_PORT));
    expect(metricsPort).toBe(Number(compose.services.worker.environment.WORKER_METRICS_PORT));
    expect(loadConfig(envFor(workerC, configMap)).worker.metricsPort).toBe(metricsPort);
  });

  test('probes: the API on /readyz (ready) and /healthz (alive), the worker on its /healthz, all routes the apps serve', async () => {
    const apiC = container(api);
    expect(apiC.readinessProbe.httpGet.path).toBe('/readyz');
    expect(apiC.livenessProbe.httpGet.path).toBe('/healthz');
    for (const probe of [apiC.readinessProbe, apiC.livenessProbe]) expect(portOf(apiC, probe.httpGet.port)).toBe(apiC.ports[0].containerPort);
    const apiPaths = healthRoutes(async () => ({ database: true, redis: true })).map((r) => `${r.method} ${r.path}`);
    expect(apiPaths).toEqual(expect.arrayContaining(['get /healthz', 'get /readyz']));

    const workerC = container(worker);
    for (const probe of [workerC.readinessProbe, workerC.livenessProbe]) {
      expect(probe.httpGet.path).toBe('/healthz');
      expect(portOf(workerC, probe.httpGet.port)).toBe(workerC.ports[0].containerPort);
    }
    // the worker's metrics server really answers there
    const server = await startMetricsServer(new Metrics({ defaultMetrics: false }), 0, createLogger({ level: 'silent', pretty: false }));
    try {
      const { port } = server!.address() as AddressInfo;
      expect((await fetch(`http://127.0.0.1:${port}${workerC.livenessProbe.httpGet.path}`)).status).toBe(200);
      expect((await fetch(`http://127.0.0.1:${port}/metrics`)).status).toBe(200);
    } finally {
      server?.close();
    }
  });

  test('every variable the manifests set is one the apps read, the required ones are there, and the apps accept them', () => {
    const known = new Set(configVariables());
    const apiEnv = envNames(container(api), configMap);
    const workerEnv = envNames(container(worker), configMap);
    for (const name of [...apiEnv, ...workerEnv]) expect({ name, read: known.has(name) || name.startsWith('OTEL_') }).toEqual({ name, read: true });
    expect(apiEnv).toEqual(expect.arrayContaining(['DATABASE_URL', 'REDIS_URL', 'QUEUE_PREFIX', 'ADMIN_API_KEY', 'SECRET_ENCRYPTION_KEY', 'NODE_ENV', 'PORT']));
    expect(workerEnv).toEqual(expect.arrayContaining(['DATABASE_URL', 'REDIS_URL', 'QUEUE_PREFIX', 'SECRET_ENCRYPTION_KEY', 'NODE_ENV', 'WORKER_METRICS_PORT', 'DELIVERY_TIMEOUT_MS']));
    expect(workerEnv).not.toContain('ADMIN_API_KEY');
    expect(envNames(container(migrate), configMap)).toEqual(['DATABASE_URL']);
    expect(readFileSync(path.join(ROOT, 'prisma.config.ts'), 'utf8')).toContain('process.env.DATABASE_URL');

    const apiConfig = loadConfig(envFor(container(api), configMap), { requireAdminKey: true });
    const workerConfig = loadConfig(envFor(container(worker), configMap));
    expect(apiConfig.env).toBe('production');
    expect(workerConfig.queuePrefix).toBe(apiConfig.queuePrefix);
    expect(workerConfig.delivery.timeoutMs).toBe(loadConfig({}).delivery.timeoutMs);

    // the same variables compose gives the apps (names only; values differ by design)
    const compose = yaml.parse(readFileSync(path.join(ROOT, 'docker', 'compose.yml'), 'utf8'), { merge: true }) as any;
    expect(apiEnv).toEqual(expect.arrayContaining(Object.keys(compose.services.api.environment)));
    expect(workerEnv).toEqual(expect.arrayContaining(Object.keys(compose.services.worker.environment)));
  });

  test('the worker has longer than DELIVERY_TIMEOUT_MS plus its drain to stop; the API longer than its shutdown cap', () => {
    const workerMain = readFileSync(path.join(ROOT, 'apps', 'worker', 'src', 'main.ts'), 'utf8');
    const drain = Number(/config\.delivery\.timeoutMs \+ ([\d_]+)/.exec(workerMain)?.[1]?.replace(/_/g, ''));
    expect(drain).toBeGreaterThan(0);
    const timeoutMs = loadConfig(envFor(container(worker), configMap)).delivery.timeoutMs;
    const grace = worker.spec.template.spec.terminationGracePeriodSeconds * 1000;
    expect(grace).toBeGreaterThanOrEqual(20_000);
    expect(grace).toBeGreaterThan(timeoutMs + drain);

    const apiMain = readFileSync(path.join(ROOT, 'apps', 'api', 'src', 'main.ts'), 'utf8');
    const apiCap = Number(/\}, ([\d_]+)\)\.unref\(\)/.exec(apiMain)?.[1]?.replace(/_/g, ''));
    expect(apiCap).toBeGreaterThan(0);
    expect(api.spec.template.spec.terminationGracePeriodSeconds * 1000).toBeGreaterThan(apiCap);
  });

  test('every pod runs as non-root with a read-only root filesystem, and every container has requests and limits', () => {
    for (const o of [api, worker, migrate]) {
      const pod = o.spec.template.spec;
      expect(pod.securityContext.runAsNonRoot).toBe(true);
      expect(pod.securityContext.runAsUser).toBeGreaterThan(0);
      for (const c of containersOf(o)) {
        expect({ name: c.name, ro: c.securityContext.readOnlyRootFilesystem, escalation: c.securityContext.allowPrivilegeEscalation }).toEqual({ name: c.name, ro: true, escalation: false });
        for (const kind of ['requests', 'limits']) for (const r of ['cpu', 'memory']) expect({ name: c.name, kind, r, set: Boolean(c.resources?.[kind]?.[r]) }).toEqual({ name: c.name, kind, r, set: true });
      }
    }
    // the image's user is `node` (uid 1000 in the node images)
    expect(readFileSync(path.join(ROOT, 'docker', 'Dockerfile'), 'utf8')).toMatch(/^USER node$/m);
    expect(worker.spec.template.spec.securityContext.runAsUser).toBe(1000);
  });

  test('PodDisruptionBudgets select the API and worker pods', () => {
    for (const [name, deployment] of [['hookrelay-api', api], ['hookrelay-worker', worker]] as const) {
      const pdb = find(objects, 'PodDisruptionBudget', name);
      expect(pdb.spec.selector.matchLabels).toEqual(deployment.spec.selector.matchLabels);
      expect(deployment.spec.template.metadata.labels).toMatchObject(pdb.spec.selector.matchLabels);
    }
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
    expect(kinds(hpa)).toEqual(kinds(base).filter((k) => !k.startsWith('ScaledObject/') && !k.startsWith('TriggerAuthentication/')).concat('HorizontalPodAutoscaler/hookrelay-worker').sort());
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
