// A device process uploading one file with the unmodified azure-iot-device SDK (`Client.uploadToBlob`), as a
// device would: run with NODE_EXTRA_CA_CERTS=<the cloud's ca.pem> so that @azure/storage-blob (which the SDK
// drives with its own HTTPS client and no `ca` option) trusts the blob store's certificate. The SDK's own
// HTTPS requests to the hub (`POST /devices/{id}/files`, the notification) go to the cloud's free HTTPS port
// through the SDK's transport seam (an https.Agent passed as `setOptions({ http: { agent } })`; see
// service-sdk.ts). Input: env UPLOAD_CS, UPLOAD_PORT, UPLOAD_BLOB, UPLOAD_TEXT. Output: one JSON line.
import { Agent } from 'node:https';
import { Readable } from 'node:stream';
import device from 'azure-iot-device';
import deviceMqtt from 'azure-iot-device-mqtt';

const { UPLOAD_CS, UPLOAD_PORT, UPLOAD_BLOB, UPLOAD_TEXT } = process.env;
const client = device.Client.fromConnectionString(UPLOAD_CS, deviceMqtt.Mqtt);
try {
  await client.setOptions({ http: { agent: new Agent({ port: Number(UPLOAD_PORT) }) } });
  const body = Buffer.from(UPLOAD_TEXT ?? '', 'utf8');
  await client.uploadToBlob(UPLOAD_BLOB, Readable.from([body]), body.length);
  console.log(JSON.stringify({ ok: true }));
} catch (e) {
  const inner = e.innerError ?? e.cause;
  console.log(JSON.stringify({ ok: false, name: e.name, message: e.message, inner: inner === undefined ? undefined : String(inner.message ?? inner), body: inner?.responseBody }));
} finally {
  await client.close().catch(() => undefined);
}
// The SDK arms a 30-minute abort timer per upload (blob_uploader.js) that keeps the process alive.
process.exit(0);
