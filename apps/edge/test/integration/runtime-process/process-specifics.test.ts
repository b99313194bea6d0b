import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { deriveModuleKey, verifySasToken } from '@verge/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { eventually, silentLog } from '@verge/testkit';
import { ProcessModuleRuntime, type LogLine } from '../../../src/runtime/index.js';
import { WorkloadServer } from '../../../src/workload/index.js';
import { DEVICE_KEY, testContext } from '../../unit/workload/fixture.js';
import { processSpec } from './specs.js';

// What only the process adapter does: processes left by a SIGKILLed runtime, process groups, cwd checks, and the
// workload socket of a process module.

const childScript = fileURLToPath(new URL('./orphan-child.mjs', import.meta.url));
const builtRuntime = fileURLToPath(new URL('../../../dist/runtime/index.js', import.meta.url));
const SDK = fileURLToPath(new URL('../../../../../node_modules/azure-iot-device/device.js', import.meta.url));

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp('/tmp/vp-');
});
afterEach(() => rm(dir, { recursive: true, force: true }));

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function logTexts(runtime: ProcessModuleRuntime, id: string): Promise<string[]> {
  const lines: LogLine[] = [];
  for await (const line of runtime.logs(id)) lines.push(line);
  return lines.map((l) => l.text);
}

describe('process runtime specifics', () => {
  it.runIf(existsSync(builtRuntime))('stops at open a module process that a SIGKILLed runtime left running (matched by pid and start time)', async () => {
    const child = spawn(process.execPath, [childScript, dir], { stdio: ['ignore', 'pipe', 'inherit'] });
    const pid = await new Promise<number>((resolve) => child.stdout.on('data', (chunk: Buffer) => {
      const match = /pid (\d+)/.exec(chunk.toString());
      if (match?.[1] !== undefined) resolve(Number(match[1]));
    }));
    child.kill('SIGKILL');
    await new Promise((resolve) => child.once('exit', resolve));
    expect(alive(pid)).toBe(true); // the orphan outlives its runtime
    const runtime = await ProcessModuleRuntime.open({ dataDir: dir, orphanStopTimeoutMs: 2_000 });
    try {
      await eventually(() => !alive(pid));
      const [module] = await runtime.observe();
      expect(module).toMatchObject({ id: 'orphan', state: 'created' });
      expect(await logTexts(runtime, 'orphan')).toContain('orphan says hi');
    } finally {
      await runtime.close();
    }
  });

  it('signals the whole process group: a stop, and the end of the main process, take the children along', async () => {
    const runtime = await ProcessModuleRuntime.open({ dataDir: dir });
    try {
      // A module that ends on its own exits when the test tells it to (SIGUSR2 to its main process only), once the
      // test has seen its child alive; its handler is in place before it prints the child's pid.
      const script = (ending: 'stop' | 'exit') =>
        (ending === 'exit' ? `process.on('SIGUSR2',()=>process.exit(0));` : '') +
        `const c=require('child_process').spawn(process.execPath,['-e','setInterval(()=>{},1000)'],{stdio:'ignore'});console.log('child '+c.pid);setInterval(()=>{},1000);`;
      for (const [id, ending] of [['stopped', 'stop'], ['ends', 'exit']] as const) {
        await runtime.createModule(processSpec(id, { script: script(ending) }), { configHash: 'h', env: {} });
        await runtime.startModule(id);
        let grandchild = 0;
        await eventually(async () => {
          const line = (await logTexts(runtime, id)).find((t) => t.startsWith('child '));
          grandchild = Number(line?.slice('child '.length) ?? 0);
          return grandchild > 0;
        });
        expect(alive(grandchild)).toBe(true);
        if (ending === 'stop') await runtime.stopModule(id, 2_000);
        else {
          const main = (await runtime.observe()).find((m) => m.id === id);
          expect(main?.pid).toBeGreaterThan(0);
          process.kill(main?.pid as number, 'SIGUSR2');
        }
        await eventually(() => !alive(grandchild));
      }
    } finally {
      await runtime.close();
    }
  });

  it('close stops running modules gracefully (the runtime got SIGTERM)', async () => {
    const runtime = await ProcessModuleRuntime.open({ dataDir: dir });
    await runtime.createModule(processSpec('svc', { script: "process.on('SIGTERM',()=>{console.log('bye');process.exit(0)});console.log('ready');setInterval(()=>{},1000)" }), { configHash: 'h', env: {} });
    await runtime.startModule('svc');
    await eventually(async () => (await logTexts(runtime, 'svc')).includes('ready'));
    const [running] = await runtime.observe();
    await runtime.close({ stopTimeoutMs: 2_000 });
    expect(alive(running?.pid ?? 0)).toBe(false);
    const reopened = await ProcessModuleRuntime.open({ dataDir: dir });
    expect(await logTexts(reopened, 'svc')).toContain('bye');
    await reopened.close();
  });

  it('refuses a cwd that is not an existing absolute directory (permanent AGT_RUNTIME_SPEC_INVALID)', async () => {
    const runtime = await ProcessModuleRuntime.open({ dataDir: dir });
    try {
      const spec = processSpec('cwd', { script: '' });
      await runtime.createModule({ ...spec, settings: { ...spec.settings, cwd: join(dir, 'nope') } }, { configHash: 'h', env: {} });
      await expect(runtime.startModule('cwd')).rejects.toMatchObject({
        code: 'AGT_RUNTIME_SPEC_INVALID',
        kind: 'permanent',
        message: `module "cwd": settings.cwd ${JSON.stringify(join(dir, 'nope'))} is not an existing absolute directory`,
      });
    } finally {
      await runtime.close();
    }
  });

  it("a process module signs through its own workload socket, named by IOTEDGE_WORKLOADURI", async () => {
    const base = await testContext({ nowMs: Date.now });
    const context = { ...base, resolveModule: (id: string) => (id === 'proc' ? { generationId: 'gen-p' } : base.resolveModule(id)) };
    const server = await WorkloadServer.start({ uri: `unix://${join(dir, 'workload.sock')}`, moduleSocketsDir: join(dir, 'mnt'), context, log: silentLog() });
    const runtime = await ProcessModuleRuntime.open({ dataDir: join(dir, 'rt'), workloadSockets: server });
    try {
      const script = `const sdk=require(${JSON.stringify(SDK)});const e=process.env;const p=new sdk.IotEdgeAuthenticationProvider({workloadUri:e.IOTEDGE_WORKLOADURI,deviceId:'edge1',moduleId:e.IOTEDGE_MODULEID,generationId:e.IOTEDGE_MODULEGENERATIONID,iothubHostName:'hub.local'});p.getDeviceCredentials().then(c=>{console.log('TOKEN '+c.sharedAccessSignature);p.stop()},err=>{console.log('ERROR '+err.message);p.stop()});`;
      const env = { IOTEDGE_WORKLOADURI: server.moduleWorkloadUri('proc', 'process'), IOTEDGE_MODULEID: 'proc', IOTEDGE_MODULEGENERATIONID: 'gen-p' };
      expect(env.IOTEDGE_WORKLOADURI).toBe(`unix://${join(dir, 'mnt', 'proc', 'workload.sock')}`);
      await runtime.createModule(processSpec('proc', { script }), { configHash: 'h', env });
      await runtime.startModule('proc');
      let token = '';
      await eventually(async () => {
        token = (await logTexts(runtime, 'proc')).find((t) => t.startsWith('TOKEN ') || t.startsWith('ERROR ')) ?? '';
        return token !== '';
      });
      const verified = verifySasToken(token.slice('TOKEN '.length), {
        keys: [deriveModuleKey(DEVICE_KEY, 'proc', 'gen-p', 'primary')],
        audiences: ['hub.local/devices/edge1/modules/proc'],
        nowSec: Math.floor(Date.now() / 1000),
      });
      expect(verified, token).toMatchObject({ ok: true });
      await runtime.removeModule('proc');
      expect(existsSync(join(dir, 'mnt', 'proc'))).toBe(false);
    } finally {
      await runtime.close();
      await server.close();
    }
  });
});
