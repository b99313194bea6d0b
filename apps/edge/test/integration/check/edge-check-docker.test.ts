import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { tempDir } from '@verge/testkit';
import { describeWithDocker } from '@verge/testkit/docker';
import { runEdgeChecks } from '../../../src/check/index.js';
import { installEdgeConfig } from '../../../src/config-file.js';

// The container-engine check against the real engine of DOCKER_HOST (CI's own dockerd): it answers, so it passes.

describeWithDocker('edge check with a Docker engine', () => {
  const tmp = tempDir('verge-check-docker-');
  afterAll(() => tmp.cleanup());

  it('passes the container-engine check with --runtime docker', async () => {
    const file = join(tmp.dir, 'config.json');
    // No cloud answers here (port 1): only the engine check matters.
    writeFileSync(file, JSON.stringify({ connectionString: 'HostName=127.0.0.1;DeviceId=e1;SharedAccessKey=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=', cloudApiUrl: 'https://127.0.0.1:1', runtime: 'docker' }));
    await installEdgeConfig(file, join(tmp.dir, 'edge'), {});
    const report = await runEdgeChecks({ dataDir: join(tmp.dir, 'edge'), env: process.env, timeoutMs: 2_000 });
    expect(report.checks.find((c) => c.id === 'container-engine')).toMatchObject({ status: 'pass', detail: expect.stringContaining('the Docker engine answers at') });
  });
});
