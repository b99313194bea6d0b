// A process module that tries to open workload sockets and prints what happened, one line per socket:
// `probe own: connected` for its own (IOTEDGE_WORKLOADURI) and `probe other: <errno or connected>` for PROBE_SOCKET
// (another module's socket), every PROBE_EVERY_MS (default 500 ms), so a test can read the outcome from its log.
import { connect } from 'node:net';

const own = (process.env.IOTEDGE_WORKLOADURI ?? '').replace(/^unix:\/\//, '');
const other = process.env.PROBE_SOCKET ?? '';

function probe(label, path) {
  return new Promise((resolve) => {
    const socket = connect(path);
    socket.once('connect', () => {
      socket.destroy();
      resolve(`probe ${label}: connected`);
    });
    socket.once('error', (err) => resolve(`probe ${label}: ${err.code ?? err.message}`));
  });
}

async function round() {
  console.log(`uid ${process.getuid?.()}`);
  console.log(await probe('own', own));
  if (other !== '') console.log(await probe('other', other));
}

await round();
setInterval(round, Number(process.env.PROBE_EVERY_MS || '500'));
