import { writeFile } from 'node:fs/promises';
import { basename, resolve } from 'node:path';
import type { Command } from 'commander';
import { VergeError } from '@verge/contracts';
import { clientFromFlags } from '../cli/client-factory.js';
import { addVerb, withClientOptions, type ClientOptions } from '../cli/command-group.js';
import { runAction } from '../cli/run.js';
import type { Stdio } from '../cli/stdio.js';
import { filesGroup } from './files-list.js';

interface FilesGetOptions extends ClientOptions {
  readonly out?: string;
}

/** `verge files get NAME [--out FILE|-]`: downloads one uploaded file; never overwrites a file unless `--out` names it. */
export function registerFilesGet(program: Command): void {
  const get = addVerb(filesGroup(program), 'get', 'download one uploaded file')
    .argument('<name>', 'the name `verge files list` shows')
    .option('--out <file>', 'where to write it (default: its base name in the current directory; - for stdout)');
  withClientOptions(get).action(runAction((stdio, name: string, options: FilesGetOptions) => getFile(stdio, name, options)));
}

async function getFile(stdio: Stdio, name: string, options: FilesGetOptions): Promise<number> {
  const client = await clientFromFlags(options);
  const { bytes } = await client.files.download(name);
  if (options.out === '-') {
    process.stdout.write(bytes);
    return 0;
  }
  const out = resolve(options.out ?? basename(name));
  try {
    await writeFile(out, bytes, { flag: options.out === undefined ? 'wx' : 'w' });
  } catch (e) {
    throw new VergeError('CLI_ARGUMENT_INVALID', `--out ${out}: cannot be written (${(e as Error).message}${options.out === undefined ? '; it may exist already: pass --out to overwrite' : ''})`, { details: { flag: '--out' } });
  }
  stdio.err(`wrote ${bytes.length} bytes to ${out}`);
  return 0;
}
