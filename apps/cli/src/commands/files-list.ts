import type { Command } from 'commander';
import type { UploadedBlobDto } from '@verge/contracts';
import { clientFromFlags } from '../cli/client-factory.js';
import { addVerb, ensureGroup, withClientOptions, type ClientOptions } from '../cli/command-group.js';
import { runAction } from '../cli/run.js';
import { writeJson, type Stdio } from '../cli/stdio.js';
import { formatTable, type Column } from '../cli/table.js';

interface FilesListOptions extends ClientOptions {
  readonly device?: string;
  readonly notifications?: boolean;
}

const blobColumns: readonly Column<UploadedBlobDto>[] = [
  { header: 'NAME', cell: (b) => b.name },
  { header: 'BYTES', cell: (b) => String(b.bytes) },
  { header: 'MODIFIED', cell: (b) => b.lastModified },
];

/** The `verge files` group: what devices uploaded with IoT Hub file upload (and the agent's log and bundle uploads). */
export function filesGroup(program: Command): Command {
  return ensureGroup(program, 'files', 'files devices uploaded (IoT Hub file upload, agent log and bundle uploads)');
}

/** `verge files list [--device ID] [--notifications]`: the uploaded files (or the notifications), from the cloud's blob store. */
export function registerFilesList(program: Command): void {
  const list = addVerb(filesGroup(program), 'list', 'list uploaded files (NAME is {deviceId}/{blobName})')
    .option('--device <id>', "only this device's files (a name prefix: agent uploads are under {hub}/{edgeId}/)")
    .option('--notifications', 'list the file-upload notifications devices sent instead');
  withClientOptions(list).action(runAction((stdio, options: FilesListOptions) => listFiles(stdio, options)));
}

async function listFiles(stdio: Stdio, options: FilesListOptions): Promise<number> {
  const client = await clientFromFlags(options);
  if (options.notifications === true) {
    const notes = await client.files.notifications(options.device);
    if (options.json === true) writeJson(stdio, notes);
    else for (const n of notes) stdio.out(`${n.enqueuedTimeUtc}  ${n.isSuccess ? 'ok    ' : 'FAILED'}  ${n.deviceId}  ${n.blobName}  ${n.blobSizeInBytes} bytes${n.statusDescription === '' ? '' : `  ${n.statusDescription}`}`);
    return 0;
  }
  const blobs = await client.files.list(options.device === undefined ? undefined : `${options.device}/`);
  if (options.json === true) writeJson(stdio, blobs);
  else formatTable(blobColumns, blobs).forEach((line) => stdio.out(line));
  return 0;
}
