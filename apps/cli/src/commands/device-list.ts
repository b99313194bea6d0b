import type { Command } from 'commander';
import type { ApiClient } from '@verge/api-client';
import { parseIntegerFlag } from '../cli/args.js';
import { clientFromFlags } from '../cli/client-factory.js';
import { addVerb, ensureGroup, withClientOptions, type ClientOptions } from '../cli/command-group.js';
import { runAction } from '../cli/run.js';
import { writeJson, type Stdio } from '../cli/stdio.js';
import { deviceTable } from '../format/identity-format.js';
import { recordTable } from '../format/records-format.js';
import { isTwin, twinTable } from '../format/twin-format.js';

interface DeviceListOptions extends ClientOptions {
  readonly query?: string;
  readonly top?: string;
}

/** Largest `--top`: IoT Hub caps `GET /devices?top=` at 1000; queries page through any number. */
const maxTop = 1_000_000;

/** `verge device list`: the device identities, or the result of an IoT Hub query. */
export function registerDeviceList(program: Command): void {
  const group = ensureGroup(program, 'device', 'manage device identities');
  const command = addVerb(group, 'list', 'list devices, or run an IoT Hub query')
    .option('--query <sql>', `IoT Hub query, e.g. "SELECT * FROM devices WHERE tags.site = 'oslo'" (results are twins or projections)`)
    .option('--top <n>', 'at most n results (without --query the API returns at most 1000 devices; use --query "SELECT * FROM devices" to page through more)');
  withClientOptions(command).action(runAction((stdio, options: DeviceListOptions) => listDevices(stdio, options)));
}

async function listDevices(stdio: Stdio, options: DeviceListOptions): Promise<number> {
  const top = options.top === undefined ? undefined : parseIntegerFlag('--top', options.top, 1, maxTop);
  const client = await clientFromFlags(options);
  if (options.query !== undefined) {
    const items = await runQuery(client, options.query, top);
    if (options.json === true) writeJson(stdio, items);
    else (items.every(isTwin) && items.length > 0 ? twinTable(items) : recordTable(items)).forEach((line) => stdio.out(line));
    return 0;
  }
  const devices = await client.devices.list(top === undefined || top > 1000 ? {} : { top });
  const shown = top === undefined ? devices : devices.slice(0, top);
  if (options.json === true) writeJson(stdio, shown);
  else deviceTable(shown).forEach((line) => stdio.out(line));
  return 0;
}

/** Collects a query's items across pages, stopping (and fetching no further page) once `top` items are in. */
async function runQuery(client: ApiClient, sql: string, top: number | undefined): Promise<unknown[]> {
  const items: unknown[] = [];
  if (top === 0) return items;
  const pageSize = top === undefined ? undefined : Math.min(top, 1000);
  for await (const item of client.query(sql, pageSize === undefined ? {} : { pageSize })) {
    items.push(item);
    if (top !== undefined && items.length >= top) break;
  }
  return items;
}
