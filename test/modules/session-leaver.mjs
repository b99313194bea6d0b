// A hostile process module: it starts a child in a session of its own (`detached`, so setsid), out of the module's
// process group, prints `survivor <pid>` and stays up. The child stays up too, doing nothing but keeping the uid.
import { spawn } from 'node:child_process';

const survivor = spawn(process.execPath, ['-e', 'setInterval(() => {}, 60000)'], { detached: true, stdio: 'ignore' });
survivor.unref();
console.log(`survivor ${survivor.pid} uid ${process.getuid?.()}`);
setInterval(() => undefined, 60_000);
process.on('SIGTERM', () => process.exit(0));
