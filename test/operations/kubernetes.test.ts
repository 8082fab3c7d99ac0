/**
 * deploy/kubernetes, checked without a cluster (nobody can run one here):
 * rendered with `kubectl kustomize` (or, without a recent kubectl, the
 * fallback in ../support/kustomize.ts), then held against what the apps
 * really use: the Dockerfile's images, commands and ports, the health routes,
 * the configuration loader's variables and the worker's shutdown drain.
 * Scaling (KEDA, the HPA overlay) is checked in kubernetes-scaling.test.ts.
 */
import { readFileSync, readdirSync, existsSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { configVariables, createLogger, loadConfig } from '@hookrelay/core';
import { Metrics } from '@hookrelay/delivery';
import { startMetricsServer } from '@hookrelay/worker';
import { healthRoutes } from '../../packages/api/src/routes/health.js';
import { dockerCmd, dockerStage, ROOT } from '../support/dockerfile.js';
import { BASE, container, envFor, envNames, find, portOf, renderBase, yaml } from '../support/k8s-manifests.js';
import { containersOf, type K8sObject } from '../support/kustomize.js';

describe('deploy/kubernetes, rendered', () => {
  let objects: K8sObject[];
  let api: K8sObject;
  let worker: K8sObject;
  let migrate: K8sObject;
  let configMap: K8sObject;

  beforeAll(() => {
    ({ objects, api, worker, migrate, configMap } = renderBase());
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
    const files = (dir: string): string[] =>
      readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? files(path.join(dir, e.name)) : [path.join(dir, e.name)]));
    for (const file of files(BASE).filter((f) => f.endsWith('.yaml')))
      expect({ file, secret: /^kind:\s*Secret\b/m.test(readFileSync(file, 'utf8')) }).toEqual({ file, secret: false });
    const secretish = /KEY|URL|PASSWORD|TOKEN/;
    for (const o of [api, worker, migrate]) {
      for (const e of container(o).env ?? []) {
        if (secretish.test(e.name) && e.name !== 'PUBLIC_BASE_URL')
          expect({ name: e.name, ref: e.valueFrom?.secretKeyRef?.name }).toEqual({ name: e.name, ref: 'hookrelay' });
      }
    }
    for (const key of Object.keys(configMap.data ?? {})) expect(key).not.toMatch(/^(DATABASE_URL|REDIS_URL|ADMIN_API_KEY|SECRET_ENCRYPTION_KEY.*)$/);
  });

  test('images are the docker/Dockerfile targets, run with the same commands', () => {
    const dockerfile = readFileSync(path.join(ROOT, 'docker', 'Dockerfile'), 'utf8');
    for (const [o, target] of [
      [api, 'api'],
      [worker, 'worker'],
      [migrate, 'migrate'],
    ] as const) {
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
    expect(workerEnv).toEqual(
      expect.arrayContaining(['DATABASE_URL', 'REDIS_URL', 'QUEUE_PREFIX', 'SECRET_ENCRYPTION_KEY', 'NODE_ENV', 'WORKER_METRICS_PORT', 'DELIVERY_TIMEOUT_MS']),
    );
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
        expect({ name: c.name, ro: c.securityContext.readOnlyRootFilesystem, escalation: c.securityContext.allowPrivilegeEscalation }).toEqual({
          name: c.name,
          ro: true,
          escalation: false,
        });
        for (const kind of ['requests', 'limits'])
          for (const r of ['cpu', 'memory'])
            expect({ name: c.name, kind, r, set: Boolean(c.resources?.[kind]?.[r]) }).toEqual({ name: c.name, kind, r, set: true });
      }
    }
    // the image's user is `node` (uid 1000 in the node images)
    expect(readFileSync(path.join(ROOT, 'docker', 'Dockerfile'), 'utf8')).toMatch(/^USER node$/m);
    expect(worker.spec.template.spec.securityContext.runAsUser).toBe(1000);
  });

  test('PodDisruptionBudgets select the API and worker pods', () => {
    for (const [name, deployment] of [
      ['hookrelay-api', api],
      ['hookrelay-worker', worker],
    ] as const) {
      const pdb = find(objects, 'PodDisruptionBudget', name);
      expect(pdb.spec.selector.matchLabels).toEqual(deployment.spec.selector.matchLabels);
      expect(deployment.spec.template.metadata.labels).toMatchObject(pdb.spec.selector.matchLabels);
    }
  });
});
