/**
 * deploy/kubernetes as the tests see it: rendered with `kubectl kustomize`
 * when a kubectl with Kustomize >= v4 is installed, else with the fallback
 * renderer of kustomize.ts; and readers of the rendered objects.
 */
import path from 'node:path';
import { ROOT } from './dockerfile.js';
import { containersOf, kubectlKustomizeMajor, renderWithKubectl, renderWithYaml, yamlModule, type K8sObject } from './kustomize.js';

export const BASE = path.join(ROOT, 'deploy', 'kubernetes');
export const HPA = path.join(BASE, 'overlays', 'hpa');
export const yaml = yamlModule(ROOT);
const major = kubectlKustomizeMajor();
// HOOKRELAY_KUSTOMIZE=yaml forces the fallback renderer (to test it where kubectl exists)
export const useKubectl = major !== null && major >= 4 && process.env.HOOKRELAY_KUSTOMIZE !== 'yaml';
if (!useKubectl) console.warn(`deploy/kubernetes tests: no kubectl with Kustomize >= v4 (found ${major ?? 'none'}); rendering with the yaml fallback`);
export const render = (dir: string) => (useKubectl ? renderWithKubectl(dir, yaml) : renderWithYaml(dir, yaml));

export function find(objects: K8sObject[], kind: string, name: string): K8sObject {
  const found = objects.find((o) => o.kind === kind && o.metadata.name === name);
  if (!found) throw new Error(`no ${kind} ${name} in the rendered manifests`);
  return found;
}

export const container = (o: K8sObject) => containersOf(o)[0]!;

/** The base manifests and the objects every test looks at. */
export function renderBase() {
  const objects = render(BASE);
  return {
    objects,
    api: find(objects, 'Deployment', 'hookrelay-api'),
    worker: find(objects, 'Deployment', 'hookrelay-worker'),
    migrate: find(objects, 'Job', 'hookrelay-migrate'),
    configMap: find(objects, 'ConfigMap', 'hookrelay'),
  };
}

export function envNames(container: any, configMap: K8sObject): string[] {
  const fromMaps = (container.envFrom ?? []).flatMap((e: any) => {
    if (e.configMapRef?.name !== configMap.metadata.name) throw new Error(`envFrom ${JSON.stringify(e)} is not the ConfigMap`);
    return Object.keys(configMap.data ?? {});
  });
  return [...fromMaps, ...(container.env ?? []).map((e: any) => e.name)];
}

/** The environment a container gets, with secrets replaced by placeholders and empty values dropped (unset). */
export function envFor(container: any, configMap: K8sObject): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(configMap.data ?? {})) if (v !== '') env[k] = v;
  for (const e of container.env ?? []) {
    if (e.value !== undefined) env[e.name] = e.value;
    else if (e.valueFrom?.secretKeyRef && !e.valueFrom.secretKeyRef.optional) {
      env[e.name] =
        { DATABASE_URL: 'postgresql://hookrelay:pw@postgres:5432/hookrelay', REDIS_URL: 'redis://redis:6379' }[e.name as string] ??
        `placeholder-${e.name}-0123456789`;
    }
  }
  return env;
}

export const portOf = (container: any, port: string | number) =>
  typeof port === 'number' ? port : container.ports.find((p: any) => p.name === port)?.containerPort;
