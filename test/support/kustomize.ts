/**
 * Renders deploy/kubernetes for the tests: with `kubectl kustomize` when a
 * kubectl with Kustomize v4 or later is installed (Debian's
 * `kubernetes-client` 1.20 bundles Kustomize v2, which predates the `labels`
 * and `patches` fields used here), else with a small renderer over the npm
 * `yaml` package that applies exactly the features the manifests use:
 * `resources` (files and directories, recursively), `labels` (metadata only,
 * `includeSelectors: false`), `images` (newName/newTag) and `patches` that
 * delete a resource (`$patch: delete`). Anything else makes it throw, so a
 * new feature cannot be silently ignored.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; labels?: Record<string, string>; [key: string]: unknown };
  spec?: any;
  data?: Record<string, string>;
  [key: string]: unknown;
}

export interface YamlModule {
  parse(text: string, options?: { merge?: boolean }): unknown;
  parseAllDocuments(text: string): { toJSON(): unknown }[];
}

/** `yaml`, reached through the dependencies that bring it (testcontainers → docker-compose → yaml), as compose-config.ts does. */
export function yamlModule(root: string): YamlModule {
  const fromRoot = createRequire(path.join(root, 'package.json'));
  const fromTestcontainers = createRequire(fromRoot.resolve('testcontainers'));
  const fromDockerCompose = createRequire(fromTestcontainers.resolve('docker-compose'));
  return fromDockerCompose('yaml') as YamlModule;
}

/** kubectl's bundled Kustomize major version, or null without kubectl. */
export function kubectlKustomizeMajor(): number | null {
  const result = spawnSync('kubectl', ['version', '--client'], { encoding: 'utf8', timeout: 30_000 });
  if (result.status !== 0) return null;
  const match = /Kustomize Version:\s*v?(\d+)/.exec(result.stdout);
  return match ? Number(match[1]) : null;
}

export function renderWithKubectl(dir: string, yaml: YamlModule): K8sObject[] {
  const result = spawnSync('kubectl', ['kustomize', dir], { encoding: 'utf8', timeout: 60_000 });
  if (result.status !== 0) throw new Error(`kubectl kustomize ${dir} exited ${result.status}: ${result.stderr}`);
  return yaml
    .parseAllDocuments(result.stdout)
    .map((d) => d.toJSON() as K8sObject)
    .filter(Boolean);
}

const SUPPORTED = new Set(['apiVersion', 'kind', 'resources', 'labels', 'images', 'patches']);

export function renderWithYaml(dir: string, yaml: YamlModule): K8sObject[] {
  const k = yaml.parse(readFileSync(path.join(dir, 'kustomization.yaml'), 'utf8')) as Record<string, any>;
  const unsupported = Object.keys(k).filter((key) => !SUPPORTED.has(key));
  if (unsupported.length) throw new Error(`${dir}/kustomization.yaml: ${unsupported.join(', ')} not supported by the fallback renderer`);
  let objects: K8sObject[] = [];
  for (const resource of k.resources ?? []) {
    const target = path.resolve(dir, resource);
    if (statSync(target).isDirectory()) objects.push(...renderWithYaml(target, yaml));
    else
      objects.push(
        ...yaml
          .parseAllDocuments(readFileSync(target, 'utf8'))
          .map((d) => d.toJSON() as K8sObject)
          .filter(Boolean),
      );
  }
  for (const patch of k.patches ?? []) {
    const body = yaml.parse(patch.patch ?? '') as Record<string, any> | null;
    if (body?.$patch !== 'delete') throw new Error(`${dir}: only $patch: delete patches are supported by the fallback renderer`);
    objects = objects.filter((o) => !(o.kind === patch.target.kind && o.metadata.name === patch.target.name));
  }
  for (const { pairs, includeSelectors, includeTemplates } of k.labels ?? []) {
    if (includeSelectors || includeTemplates) throw new Error(`${dir}: labels on selectors/templates not supported by the fallback renderer`);
    for (const o of objects) o.metadata.labels = { ...o.metadata.labels, ...pairs };
  }
  for (const image of k.images ?? []) {
    for (const container of objects.flatMap(containersOf)) {
      if (container.image === image.name) container.image = `${image.newName ?? image.name}${image.newTag ? `:${image.newTag}` : ''}`;
    }
  }
  return objects;
}

/** The containers of a Deployment, Job or bare Pod template. */
export function containersOf(o: K8sObject): { name: string; image: string; [key: string]: any }[] {
  return [...(o.spec?.template?.spec?.initContainers ?? []), ...(o.spec?.template?.spec?.containers ?? [])];
}
