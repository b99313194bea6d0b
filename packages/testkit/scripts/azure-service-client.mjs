// A service process using the unmodified azure-iothub `Client` over AMQP, as an operator's back end would: run with
// NODE_EXTRA_CA_CERTS=<the cloud's ca.pem> (the SDK's AMQP transports take no `ca`). Started by the test kit's
// `runServiceClient`. Input: env SERVICE_TRANSPORT (Amqp, the SDK's default, or AmqpWs), SERVICE_CS (for Amqp the
// HostName may carry the port: the SDK dials amqps://{HostName}, 5671 without one; AmqpWs always dials 443) and
// SERVICE_STEPS, a JSON array of { send: deviceId, data, messageId?, correlationId?, ack?, expiryTimeUtc?, properties? }
// or { feedback: n } / { fileNotifications: n } (the feedback / file notification receiver, until n records arrived
// or 15 s passed). Output: one JSON line, the
// outcome of each step ({ ok, records? } or { ok: false, name, message, detail, inner }).
import iothub from 'azure-iothub';
import common from 'azure-iot-common';

const client = iothub.Client.fromConnectionString(process.env.SERVICE_CS, process.env.SERVICE_TRANSPORT === 'AmqpWs' ? iothub.AmqpWs : iothub.Amqp);
client.setRetryPolicy(new common.NoRetry());
const outcomes = [];

/** The records the SDK's feedback or file notification receiver emits (it accepts them on arrival), up to `n`. */
async function serviceBound(getReceiver, n) {
  const receiver = await new Promise((resolve, reject) => client[getReceiver]((err, r) => (err ? reject(err) : resolve(r))));
  const records = [];
  await new Promise((resolve, reject) => {
    const timer = setTimeout(resolve, 15_000);
    receiver.on('error', reject);
    receiver.on('message', (msg) => {
      records.push(...[JSON.parse(msg.getData().toString())].flat()); // feedback: an array per message; file notifications: one
      if (records.length >= n) {
        clearTimeout(timer);
        resolve();
      }
    });
  });
  return records;
}
for (const step of JSON.parse(process.env.SERVICE_STEPS ?? '[]')) {
  try {
    if (step.feedback !== undefined || step.fileNotifications !== undefined) {
      outcomes.push({ ok: true, records: await serviceBound(step.feedback === undefined ? 'getFileNotificationReceiver' : 'getFeedbackReceiver', step.feedback ?? step.fileNotifications) });
      continue;
    }
    const message = new common.Message(step.data);
    if (step.messageId !== undefined) message.messageId = step.messageId;
    if (step.correlationId !== undefined) message.correlationId = step.correlationId;
    if (step.ack !== undefined) message.ack = step.ack;
    // A number, as Azure's samples set it (Date.now() + ms): rhea does not encode a Date here and the SDK's send never settles.
    if (step.expiryTimeUtc !== undefined) message.expiryTimeUtc = Date.parse(step.expiryTimeUtc);
    for (const [k, v] of Object.entries(step.properties ?? {})) message.properties.add(k, v);
    await client.send(step.send, message);
    outcomes.push({ ok: true });
  } catch (e) {
    outcomes.push({ ok: false, name: e.name ?? e.constructor?.name, message: String(e.message ?? e), detail: e.amqpError?.description ?? e.amqpError?.message, inner: e.amqpError?.name });
  }
}
await client.close().catch(() => undefined);
console.log(JSON.stringify(outcomes));
process.exit(0);
