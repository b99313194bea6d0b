// A device process doing IoT Hub file upload in two separate runs, so that the cloud can restart (or another
// instance take over) in between: the steps `Client.uploadToBlob` of the unmodified azure-iot-device SDK chains.
// UPLOAD_PHASE=sas: `client.getBlobSharedAccessSignature(UPLOAD_BLOB)`; prints the SDK's upload parameters.
// UPLOAD_PHASE=finish: PUTs UPLOAD_TEXT with the SDK's own @azure/storage-blob as its blob uploader does
// (`BlockBlobClient('https://{hostName}/{containerName}/{blobName}{sasToken}').uploadStream`), then
// `client.notifyBlobUploadStatus(correlationId, …)`; UPLOAD_SAS is the JSON the first phase printed.
// Env as upload-file.mjs (UPLOAD_CS, UPLOAD_PORT: the cloud HTTPS port of this phase; NODE_EXTRA_CA_CERTS).
// Output: one JSON line.
import { createRequire } from 'node:module';
import { Agent } from 'node:https';
import { Readable } from 'node:stream';
import device from 'azure-iot-device';
import deviceMqtt from 'azure-iot-device-mqtt';

const { UPLOAD_CS, UPLOAD_PORT, UPLOAD_BLOB, UPLOAD_TEXT, UPLOAD_PHASE, UPLOAD_SAS } = process.env;
const client = device.Client.fromConnectionString(UPLOAD_CS, deviceMqtt.Mqtt);
try {
  await client.setOptions({ http: { agent: new Agent({ port: Number(UPLOAD_PORT) }) } });
  if (UPLOAD_PHASE === 'sas') {
    const p = await client.getBlobSharedAccessSignature(UPLOAD_BLOB);
    console.log(JSON.stringify({ ok: true, sas: { correlationId: p.correlationId, hostName: p.hostName, containerName: p.containerName, blobName: p.blobName, sasToken: p.sasToken } }));
  } else {
    const sas = JSON.parse(UPLOAD_SAS);
    if (UPLOAD_TEXT !== undefined) {
      // The storage-blob the SDK itself loads (blob_uploader.js `require('@azure/storage-blob')`).
      const storage = createRequire(createRequire(import.meta.url).resolve('azure-iot-device'))('@azure/storage-blob');
      const blob = new storage.BlockBlobClient(`https://${sas.hostName}/${sas.containerName}/${sas.blobName}${sas.sasToken}`, storage.newPipeline(new storage.AnonymousCredential()));
      await blob.uploadStream(Readable.from([Buffer.from(UPLOAD_TEXT, 'utf8')]), 4 * 1024 * 1024, 20);
    }
    await client.notifyBlobUploadStatus(sas.correlationId, true, 201, 'uploaded');
    console.log(JSON.stringify({ ok: true }));
  }
} catch (e) {
  const inner = e.innerError ?? e.cause;
  console.log(JSON.stringify({ ok: false, name: e.name, message: e.message, inner: inner === undefined ? undefined : String(inner.message ?? inner), code: e.code ?? inner?.code }));
} finally {
  await client.close().catch(() => undefined);
}
process.exit(0);
