import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import deviceSdk, { type Client as DeviceClient, type Twin } from 'azure-iot-device';
import mqttTransport from 'azure-iot-device-mqtt';
import type { Browser, BrowserContext, Page, Request } from 'playwright-core';
import type { RunningEdge } from '@verge/edge';
import { tempDir } from '@verge/testkit';
import { createEdgeDevice, startTestCloud, type TestCloud } from '@verge/testkit/cloud';
import { deployment, startTestEdge, waitForRunning, type ModuleRunner } from '@verge/testkit/edge';
import { browserSuiteBlocker, launchChromium, SCREENSHOT_DIR } from './dashboard/browser.js';

// The web dashboard (apps/dashboard) in real headless Chromium against a real cloud, a real edge runtime running a
// fleet deployment (process modules) and an unmodified azure-iot-device client: sign-in, every page with live
// data, live updates from the change stream (no polling), a desired-property edit reaching the device, a direct
// method answered by it, and no access without sign-in. A screenshot of each page goes to test-results/dashboard/.

const blocker = browserSuiteBlocker();
if (blocker !== undefined) {
  if (process.env['CI'] !== undefined && process.env['CI'] !== '') throw new Error(`dashboard browser tests cannot run in CI: ${blocker}`);
  console.warn(`\n*** SKIPPING the dashboard browser tests: ${blocker} ***\n`);
}

const EDGE_ID = 'edge-dash';
const SENSOR_ID = 'sensor-dash';
const runner: ModuleRunner = { kind: 'process', node: process.execPath };

describe.skipIf(blocker !== undefined)('web dashboard in headless Chromium', () => {
  const tmp = tempDir('verge-e2e-dashboard-');
  let t: TestCloud;
  let edge: RunningEdge;
  let sensor: DeviceClient;
  let sensorTwin: Twin;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let url: string;
  const methodCalls: unknown[] = [];

  beforeAll(async () => {
    t = await startTestCloud(join(tmp.dir, 'cloud'));
    url = t.cloud.urls.http;
    const created = await createEdgeDevice(t, EDGE_ID);
    await t.api.twins.update({ deviceId: EDGE_ID }, { tags: { fleet: 'dash' } });
    const launched = launchChromium();
    edge = await startTestEdge(t, { dataDir: join(tmp.dir, 'edge'), connectionString: created.connectionString, runtime: 'process' });
    const content = deployment(runner, { producer: { file: 'producer.mjs', env: { SEND_INTERVAL_MS: '250' } } }, { routes: { up: 'FROM /messages/modules/producer/outputs/* INTO $upstream' } });
    await t.ok('PUT', '/configurations/dash-deploy', {
      id: 'dash-deploy',
      priority: 10,
      targetCondition: "tags.fleet='dash'",
      content,
      rollout: { waves: [{ count: 1, successRate: 1, deadlineSeconds: 300 }], autoRollback: false },
    });

    // A plain device with the unmodified SDK: answers a direct method, sends telemetry, follows its desired properties.
    const key = await t.createDevice(SENSOR_ID);
    sensor = deviceSdk.Client.fromConnectionString(`HostName=${t.hostName};DeviceId=${SENSOR_ID};SharedAccessKey=${key};GatewayHostName=localhost:${t.mqttPort}`, mqttTransport.Mqtt);
    sensor.on('error', () => undefined);
    await sensor.setOptions({ ca: t.caPem });
    await sensor.open();
    sensor.onDeviceMethod('reboot', (request, response) => {
      methodCalls.push(request.payload);
      response.send(200, { rebooting: true, delay: (request.payload as { delay?: number } | null)?.delay ?? 0 }, () => undefined);
    });
    sensorTwin = await sensor.getTwin();

    await t.ok('PUT', '/jobs/v2/dash-job', { jobId: 'dash-job', type: 'scheduleUpdateTwin', queryCondition: `deviceId IN ['${SENSOR_ID}']`, updateTwin: { etag: '*', tags: { site: 'lab' } }, maxExecutionTimeInSeconds: 60 });
    await waitForRunning(t, EDGE_ID, ['producer']);
    browser = await launched;
    context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    page = await context.newPage();
    // Playwright's clock: time flows as usual, and a test can fast-forward the page's timers (`runFor`) to show
    // that no poll is waiting to fire.
    await page.clock.install();
  });

  afterAll(async () => {
    await context?.close();
    await browser?.close();
    await sensor?.close().catch(() => undefined);
    await edge?.stop();
    await t?.cloud.stop();
    tmp.cleanup();
  });

  const shot = (name: string): Promise<Buffer> => page.screenshot({ path: join(SCREENSHOT_DIR, `${name}.png`), fullPage: true });
  const text = async (testId: string): Promise<string> => (await page.getByTestId(testId).first().textContent()) ?? '';
  // The pages reload on the cloud's change stream (GET /events/changes): wait up to 10 s for what they show (a busy
  // CI machine is slow).
  const liveState = () => page.getByTestId('live-state').getAttribute('data-state');
  /** Counts the page's GET requests to `path` (query ignored) while `during` runs. */
  const countingRequests = async (path: string, during: () => Promise<void>, method = 'GET'): Promise<number> => {
    let n = 0;
    const onRequest = (r: Request): void => {
      if (r.method() === method && new URL(r.url()).pathname === path) n += 1;
    };
    page.on('request', onRequest);
    try {
      await during();
    } finally {
      page.off('request', onRequest);
    }
    return n;
  };
  const poll = <T>(read: () => Promise<T>, timeout = 10_000) => expect.poll(read, { timeout });

  it('shows nothing without sign-in: the sign-in page, and the API refuses the page without a token', async () => {
    await page.goto(`${url}/#/devices/${EDGE_ID}`);
    await page.getByTestId('sign-in-page').waitFor();
    expect(await page.getByTestId('device-page').count()).toBe(0);
    expect(await page.evaluate(async () => (await fetch('/devices')).status)).toBe(401);
    // A connection string with a wrong key signs a token the cloud refuses: the user is told and stays out.
    const wrongKey = t.cloud.serviceConnectionString.replace(/SharedAccessKey=[^;]+/, `SharedAccessKey=${Buffer.alloc(32, 1).toString('base64')}`);
    await page.locator('textarea[name=secret]').fill(wrongKey);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await poll(() => text('sign-in-error')).toMatch(/the cloud refused the token \(HTTP 401\)/);
    await page.locator('textarea[name=secret]').fill('HostName=hub;DeviceId=d;SharedAccessKey=AAAA');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await poll(() => text('sign-in-error')).toMatch(/device connection string/);
    expect(await page.evaluate(() => sessionStorage.length)).toBe(0);
    await shot('sign-in');
  });

  it('signs in with the service connection string, keeping only a token for this tab', async () => {
    await page.locator('textarea[name=secret]').fill(t.cloud.serviceConnectionString);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByTestId('device-page').waitFor();
    const stored = await page.evaluate(() => Object.values(sessionStorage).join(''));
    expect(stored).toContain('SharedAccessSignature sr=');
    expect(stored).not.toContain('SharedAccessKey=');
  });

  it('fleet overview: devices online, the IoT Edge device as desired, and a live telemetry rate', async () => {
    await page.goto(`${url}/#/`);
    await page.getByTestId('fleet-page').waitFor();
    await poll(() => text('tile-devices')).toMatch(/^2 devices/);
    await poll(() => text('tile-online'), 12_000).toMatch(/^2 online/);
    expect(await text('tile-edge')).toMatch(/^1 IoT Edge/);
    await poll(() => text('tile-drift'), 12_000).toMatch(/^0 not as desired/);
    await poll(() => text('stream-state'), 15_000).toMatch(/Event stream: live · [1-9]\d* messages/);
    await poll(async () => Number(await page.getByTestId('rate-chart').getAttribute('data-total')), 10_000).toBeGreaterThan(0);
    expect(await page.getByTestId('device-table').textContent()).toContain(SENSOR_ID);
    await shot('fleet');
  });

  it('device page of the edge device: its modules as the agent reports them, and its live telemetry', async () => {
    await page.goto(`${url}/#/devices/${EDGE_ID}`);
    const producer = page.locator('[data-module=producer]');
    await producer.waitFor();
    await poll(async () => producer.textContent()).toMatch(/running.*running/);
    const edgeHub = await page.locator('[data-module=edgeHub]').textContent();
    expect(edgeHub).toContain('running');
    await poll(() => page.getByTestId('device-messages').locator('tbody tr').count(), 15_000).toBeGreaterThan(0);
    expect(await page.getByTestId('device-messages').textContent()).toContain(`${EDGE_ID}/producer`);
    // Module logs pulled on demand through the agent's GetModuleLogs direct method.
    await page.locator('select[name=logModule]').selectOption('producer');
    await page.getByRole('button', { name: 'Fetch logs' }).click();
    await poll(() => text('logs-result'), 15_000).toContain('producer connected');
    await shot('device-edge');
  });

  it('device page of a plain device: edits a desired property the device receives, invokes a method it answers', async () => {
    await page.goto(`${url}/#/devices/${SENSOR_ID}`);
    await page.getByTestId('desired-editor').waitFor();
    const received = new Promise<Record<string, unknown>>((resolve) => {
      const listener = (delta: Record<string, unknown>): void => {
        if ('interval' in delta) resolve(delta);
      };
      sensorTwin.on('properties.desired', listener);
    });
    await page.locator('textarea[name=desired]').fill('{ "interval": 7, "mode": "eco" }');
    await page.getByRole('button', { name: 'Save desired' }).click();
    await poll(() => text('desired-result')).toMatch(/^Saved: desired \$version \d+/);
    expect(await received).toMatchObject({ interval: 7, mode: 'eco' });
    await poll(() => text('twin-desired')).toContain('"mode": "eco"');


    await page.locator('input[name=methodName]').fill('reboot');
    await page.locator('input[name=payload]').fill('{"delay": 3}');
    await page.getByRole('button', { name: 'Invoke' }).click();
    await poll(() => text('method-result')).toBe('status 200: {"rebooting":true,"delay":3}');
    expect(methodCalls).toEqual([{ delay: 3 }]);

    await sensor.sendEvent(new deviceSdk.Message(JSON.stringify({ temperature: 21.5 })));
    await poll(() => page.getByTestId('device-messages').textContent(), 10_000).toContain('"temperature":21.5');
    await shot('device-sensor');

    // Bad input is refused in the page, naming the field; nothing reaches the device.
    await page.locator('textarea[name=desired]').fill('{ not json');
    await page.getByRole('button', { name: 'Save desired' }).click();
    await poll(() => text('desired-result')).toMatch(/^desired: not JSON/);
    await page.locator('input[name=payload]').fill('{delay');
    await page.getByRole('button', { name: 'Invoke' }).click();
    await poll(() => text('method-result')).toMatch(/^payload: not JSON/);
    await page.locator('input[name=payload]').fill('{}');
    await page.locator('input[name=timeout]').fill('2');
    await page.getByRole('button', { name: 'Invoke' }).click();
    await poll(() => text('method-result')).toBe('timeout: 5 to 300 seconds');
    expect(methodCalls).toHaveLength(1);
  });

  it('device page follows the change stream: a service-side desired patch shows without navigating, by one reload', async () => {
    // Still on the sensor's page from the test above (open for seconds: its stream connected and resynced long ago).
    expect(page.url()).toContain(`#/devices/${SENSOR_ID}`);
    await poll(liveState).toBe('live');
    // Pages never poll while the stream is live (only a 30 s safety poll while it is down): two minutes of the
    // page's timers fast-forwarded fetch nothing, so the GET counted after the patch is the reload it triggered.
    expect(await countingRequests(`/twins/${SENSOR_ID}`, () => page.clock.runFor(120_000))).toBe(0);
    const gets = await countingRequests(`/twins/${SENSOR_ID}`, async () => {
      await t.ok('PATCH', `/twins/${SENSOR_ID}`, { properties: { desired: { fromService: 42 } } });
      await poll(() => text('twin-desired')).toContain('"fromService": 42');
    });
    expect(gets).toBe(1);
    expect(await liveState()).toBe('live');
    expect(await text('live-state')).toBe('live');
  });

  it('deployments page: metrics, the rollout wave, explain for a device and a dry-run of a draft', async () => {
    await page.goto(`${url}/#/deployments/dash-deploy`);
    const row = page.locator('[data-deployment=dash-deploy]');
    await row.waitFor();
    await poll(async () => ((await row.locator('td').allTextContents()) as string[]).slice(3, 7).join(' '), 20_000).toBe('1 1 1 0');
    await page.getByTestId('rollout').waitFor();
    expect(await page.getByTestId('rollout').textContent()).toMatch(/wave 1 of 1/);
    await page.locator('input[name=explainDevice]').fill(EDGE_ID);
    await page.getByRole('button', { name: 'Explain' }).click();
    await poll(() => text('explain-result')).toContain('dash-deploy');
    await page.getByRole('button', { name: 'Dry-run', exact: true }).click();
    await page.getByTestId('dry-run-panel').getByTestId('plan').waitFor();
    expect(await page.getByTestId('dry-run-panel').textContent()).toMatch(/IoT Edge devices evaluated/);
    await shot('deployments');
    await page.locator('textarea[name=draft]').fill('{"id": "bad"}');
    await page.getByRole('button', { name: 'Dry-run', exact: true }).click();
    await poll(() => page.getByTestId('dry-run-panel').locator('[role=alert]').textContent()).toMatch(/content/);
  });

  it('deployments page of a deployment that does not exist: the error, and no claim about its rollout', async () => {
    await page.goto(`${url}/#/deployments/no-such-deployment`);
    await poll(() => text('deployment-detail')).toContain("deployment 'no-such-deployment' does not exist");
    // The rollout's 404 had been read as "no rollout policy" and shown as one.
    expect(await text('deployment-detail')).not.toContain('No staged rollout');
  });

  it('jobs page: the job with its progress', async () => {
    await page.goto(`${url}/#/jobs`);
    const row = page.locator('[data-job=dash-job]');
    await row.waitFor();
    await poll(() => row.textContent(), 20_000).toMatch(/completed/);
    expect(await row.textContent()).toContain('scheduleUpdateTwin');
    await shot('jobs');
  });

  it('API page: the OpenAPI document, browsable', async () => {
    await page.goto(`${url}/#/api`);
    await poll(() => text('operation-count')).toMatch(/^[3-9]\d operations/);
    await page.locator('[data-operation=invokeDeviceMethod] summary').click();
    expect(await page.locator('[data-operation=invokeDeviceMethod]').textContent()).toContain('/twins/{id}/methods');
    await shot('api');
  });

  it('fleet page follows a device disconnecting without navigating', async () => {
    await page.goto(`${url}/#/`);
    await page.getByTestId('fleet-page').waitFor();
    await poll(() => text('tile-online'), 12_000).toMatch(/^2 online/);
    await poll(liveState).toBe('live');
    // The fleet page reads the whole fleet through the query API (GET /devices stops at 1000 devices).
    const gets = await countingRequests(
      '/devices/query',
      async () => {
        await sensor.close();
        await poll(() => text('tile-online')).toMatch(/^1 online/);
      },
      'POST',
    );
    expect(gets).toBeGreaterThanOrEqual(1);
    expect(await liveState()).toBe('live');
  });

  it('signing out drops the token: the pages are gone, also after a reload', async () => {
    await page.goto(`${url}/#/`);
    await page.getByTestId('sign-out').click();
    await page.getByTestId('sign-in-page').waitFor();
    await page.reload();
    await page.getByTestId('sign-in-page').waitFor();
    expect(await page.evaluate(() => sessionStorage.length)).toBe(0);
    expect(await page.getByTestId('fleet-page').count()).toBe(0);
  });
});
