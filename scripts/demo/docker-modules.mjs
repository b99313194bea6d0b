// Docker modules of the demo: when a Docker engine answers (DOCKER_HOST, else the default socket), the demo's
// samples/ml-* modules run as containers instead of processes. No registry: the image is built here the way the
// test kit builds its test images (`docker import` of a root filesystem holding this host's node and the libraries
// it links), and each container bind-mounts the repository read-only at its own path, so the samples and the
// unmodified Azure SDK in node_modules are found exactly where the process modules find them.
import { buildNodeImage, dockerAvailability } from '@verge/testkit/docker';
import { moduleEnv } from '@verge/testkit/manifest';

/** The demo's image (this host's node only; the module code comes from the bind-mounted repository). */
export const DEMO_IMAGE = 'verge-demo/node:local';
/** Label on every container of the demo's deployments, so the demo removes them at its start and its end. */
export const DEMO_CONTAINER_LABEL = 'org.verge.demo';

/**
 * `--modules`: `process` → `{ kind: 'process', reason }`; `docker` → the engine or an error; `auto` → the engine when
 * it answers, else process modules with the reason. Returns `{ kind: 'docker', docker, endpoint, image }` once the image
 * is built (the first run imports ~100 MB, announced through `onBuild`; later runs reuse it when the node binary is
 * unchanged).
 */
export async function chooseDemoModules(mode, onBuild = () => undefined) {
  if (mode === 'process') return { kind: 'process', reason: '--modules process' };
  const engine = await dockerAvailability();
  if (!engine.available) {
    if (mode === 'docker') throw new Error(`--modules docker: ${engine.reason}`);
    return { kind: 'process', reason: engine.reason };
  }
  if (!(await hasImage(engine.docker, DEMO_IMAGE))) onBuild(DEMO_IMAGE);
  const image = await buildNodeImage(engine.docker, { tag: DEMO_IMAGE });
  await removeDemoContainers(engine.docker);
  return { kind: 'docker', docker: engine.docker, endpoint: engine.endpoint, image: DEMO_IMAGE, imageId: image };
}

/**
 * The `createOptions` of a sample as a container: the same command line as the process module (this node, the
 * sample file), on the host network (the edge hub listens on 127.0.0.1 at a free port, which `IOTEDGE_GATEWAYHOSTNAME`
 * carries), with the repository mounted read-only at its own path.
 */
export function sampleCreateOptions(root, file) {
  return { Cmd: [process.execPath, file], Labels: { [DEMO_CONTAINER_LABEL]: 'true' }, HostConfig: { NetworkMode: 'host', Binds: [`${root}:${root}:ro`] } };
}

/**
 * A Docker module entry with the fields of the demo's process modules (lib/edge-deployment.mjs `processModule`):
 * restart `always`, startup order 1, `env`. The image exists only on this engine, so it is never pulled.
 */
export function dockerModule(image, createOptions, env = {}) {
  return {
    version: '1.0',
    type: 'docker',
    status: 'running',
    restartPolicy: 'always',
    startupOrder: 1,
    imagePullPolicy: 'never',
    env: moduleEnv(env),
    settings: { image, createOptions: JSON.stringify(createOptions) },
  };
}

async function hasImage(docker, tag) {
  return docker
    .getImage(tag)
    .inspect()
    .then(
      () => true,
      () => false,
    );
}

/** Removes every container of the demo's deployments (the edge runtimes leave containers running when they stop). */
export async function removeDemoContainers(docker) {
  const listed = await docker.listContainers({ all: true, filters: { label: [`${DEMO_CONTAINER_LABEL}=true`] } });
  await Promise.all(listed.map((c) => docker.getContainer(c.Id).remove({ force: true }).catch(() => undefined)));
  return listed.length;
}
