import { defineErrors } from './define.js';

/**
 * Error codes of the cloud (registry, twins, service REST API, device endpoint). Shared by the cloud's
 * services and its MQTT device endpoint. Codes are API: deprecate, never rename.
 */
export const cloudErrors = defineErrors({
  CLD_DEVICE_NOT_FOUND: { status: 404, description: 'No device identity with this id is registered.' },
  CLD_MODULE_NOT_FOUND: { status: 404, description: 'No module identity with this id is registered on the device.' },
  CLD_DEVICE_ALREADY_EXISTS: {
    status: 409,
    description: 'A device with this id already exists; to replace it send `If-Match` with its etag (or `*`).',
  },
  CLD_MODULE_ALREADY_EXISTS: {
    status: 409,
    description: 'A module with this id already exists on the device; to replace it send `If-Match` with its etag (or `*`).',
  },
  CLD_ETAG_MISMATCH: {
    status: 412,
    description: 'The `If-Match` etag does not match the current etag of the identity or twin (it changed since it was read).',
  },
  CLD_STORE_CONFLICT: {
    status: 409,
    description:
      "A conditional write to the cloud's store lost a race: the record's etag changed (another request or cloud instance wrote it) or the record appeared or disappeared since it was read. Services retry the read-modify-write a few times; this reaches a caller only when every retry lost.",
  },
  CLD_ID_INVALID: {
    status: 400,
    description: 'A device or module id is empty, longer than 128 characters or holds a character IoT Hub does not allow.',
  },
  CLD_ID_MISMATCH: { status: 400, description: 'The id in the request body differs from the id in the URL path.' },
  CLD_AUTHENTICATION_INVALID: {
    status: 400,
    description: 'The `authentication` of an identity is inconsistent: a key that is not base64 of 16–64 bytes, a missing or malformed thumbprint, or fields of another type.',
  },
  CLD_PARENT_INVALID: {
    status: 400,
    description: 'The parent (`deviceScope`/`parentScopes`) does not name an existing IoT Edge device, or names the device itself.',
  },
  CLD_DEVICE_NOT_CONNECTED: {
    status: 404,
    description: 'The device or module is not connected to the device endpoint (direct methods need a connected, subscribed client).',
  },
  CLD_METHOD_TIMEOUT: {
    status: 504,
    description: 'The device did not answer the direct method within `responseTimeoutInSeconds` (or did not connect within `connectTimeoutInSeconds`).',
  },
  CLD_C2D_QUEUE_FULL: {
    status: 403,
    description: 'The device already has the maximum number of pending cloud-to-device messages (50, as IoT Hub); wait until it receives some.',
  },
  CLD_C2D_MESSAGE_TOO_LARGE: {
    status: 413,
    description: 'A cloud-to-device message (body plus properties) exceeds 64 KB, IoT Hub\'s limit.',
  },
  CLD_AMQP_MESSAGE_INVALID: {
    status: 400,
    description:
      "A C2D message sent over AMQP (azure-iothub `Client.send`) is malformed: its `to` is not `/devices/{deviceId}/messages/devicebound`, its body is not bytes, an id is not a string or UUID, `iothub-ack` is not none/positive/negative/full, or a property is not a string, number or boolean. The message names the field; it is rejected (`com.microsoft:argument-error`) and nothing is queued.",
  },
  CLD_C2D_ACK_INVALID: {
    status: 400,
    description: "A C2D message's `iothub-ack` header is not one of none, positive, negative, full (the delivery feedback its sender wants).",
  },
  CLD_C2D_EXPIRY_INVALID: {
    status: 400,
    description: 'The `iothub-expiry` header is not an ISO-8601 time in the future, or lies beyond the maximum time to live.',
  },
  CLD_AUTH_MISSING: {
    status: 401,
    description: 'The request has no `Authorization` header; send `SharedAccessSignature sr=…&sig=…&se=…&skn=…`.',
  },
  CLD_AUTH_MALFORMED: {
    status: 401,
    description: 'The `Authorization` header is not a well-formed SharedAccessSignature token (a field is missing or repeated, or `se` is not a number).',
  },
  CLD_AUTH_EXPIRED: { status: 401, description: 'The SharedAccessSignature token has expired (`se` lies in the past).' },
  CLD_AUTH_POLICY_UNKNOWN: {
    status: 401,
    description: 'The token names (`skn`) no shared access policy of this cloud, or names none at all.',
  },
  CLD_AUTH_AUDIENCE_INVALID: {
    status: 401,
    description: 'The token\'s resource (`sr`) is not this cloud\'s host name.',
  },
  CLD_AUTH_SIGNATURE_INVALID: {
    status: 401,
    description: 'The token\'s signature does not verify with the policy\'s primary or secondary key (wrong key, or the token was altered).',
  },
  CLD_AUTH_RIGHT_MISSING: {
    status: 401,
    description: 'The shared access policy that signed the token lacks the right the operation needs (RegistryRead, RegistryWrite or ServiceConnect).',
  },
  CLD_AUTH_SCOPE_DENIED: {
    status: 401,
    description:
      'A device or module token (`sr={host}/devices/{id}[/modules/{mid}]`) was sent to a route it may not use: the token of an IoT Edge device (or of its `$edgeAgent`/`$edgeHub` module) is accepted only on the device-scoped routes of that device (`GET /devices/{id}/modules`, `PUT`/`DELETE /devices/{id}/modules/{mid}`, `GET /devices/{id}/scope`, `POST /devices/{id}/modules/{mid}/devicesAndModulesInDeviceScope`); the message names the route.',
  },
  CLD_AUTH_DEVICE_INVALID: {
    status: 401,
    description: 'The device (or `$edgeAgent`/`$edgeHub` module) named by an identity token is not registered, has no symmetric keys to verify the token with, or its device is disabled.',
  },
  CLD_DEVICE_NOT_EDGE: {
    status: 400,
    description: 'The operation needs an IoT Edge device (`capabilities.iotEdge: true`): applying a deployment manifest, reading a device scope.',
  },
  CLD_MODULE_RESERVED: {
    status: 400,
    description:
      'The module is a system module of an IoT Edge device (`$edgeAgent`, `$edgeHub`): the cloud creates and deletes it with the device, so it cannot be deleted on its own nor created by the device; device tokens may not create ids starting with `$`.',
  },
  CLD_SCOPE_CONTINUATION_INVALID: {
    status: 400,
    description: 'The `continuationToken` of a device-scope request is not a `continuationLink` this cloud issued.',
  },
  CLD_CONFIG_INVALID: { status: 400, description: 'The cloud configuration is invalid; `details` lists each field and rule.' },
  CLD_DATABASE_URL_INVALID: {
    status: 400,
    description: 'The database URL (`--db`, `$VERGE_CLOUD_DB`, config `db`) is not `postgres://[user[:password]@]host[:port]/database` (or `postgresql://`); the message shows it with the password hidden.',
  },
  CLD_DATA_DIR_UNWRITABLE: {
    status: 500,
    description:
      'The data directory (`--data`) cannot be created or written (permission denied, read-only file system, a file in the way, a path below /proc or a dangling link, disk full); the message names the directory and the cause.',
  },
  CLD_DATA_DIR_IN_USE: {
    status: 409,
    description:
      'Another cloud is running on the same data directory (`--data`): a cloud holds `cloud.lock` in its data directory from start to stop (the OS releases it when the process dies), so a second one stops before touching its keys, database or `credentials.json`. Stop that cloud or choose another data directory; several instances each need their own (docs/scale-out.md).',
  },
  CLD_DATABASE_UNAVAILABLE: {
    status: 503,
    description: 'The PostgreSQL server of the database URL cannot be used at start: it refuses the connection, its host is unknown, it does not answer in time, it refuses the login, the database does not exist, or its schema cannot be migrated (the search_path names a schema that does not exist, the role may not create tables); the message names the server (never the password) and the cause.',
  },
  CLD_DISK_LOW: {
    status: 507,
    description:
      "The disk holding the cloud's SQLite database has less free space than the cloud keeps in reserve (2% of the filesystem, at least 8 MiB, at most 128 MiB), so that registry, twin and deployment writes and the database's own upkeep always find room; device-to-cloud messages are refused and not acknowledged (devices send them again) until space returns: older telemetry pruned by retention (`--retention-bytes`), or other files removed. Nothing already acknowledged is lost.",
  },
  CLD_TELEMETRY_BATCH_EXPIRED: {
    status: 503,
    description:
      'A telemetry batch on PostgreSQL reached its INSERT more than half the reservation stale timeout (15 s by default) after reserving its sequence numbers (the database or the instance stalled); nothing of the batch is stored, so readers that already passed its numbers miss nothing, and its devices get no PUBACK and resend.',
  },
  CLD_BUS_UNAVAILABLE: {
    status: 503,
    description: 'The NATS server of the bus URL (`--bus`, `$VERGE_CLOUD_BUS`, config `bus`) cannot be used at start: it refuses the connection, does not answer in time, or has no JetStream (the telemetry stream and the lease bucket need it); the message names the server and the cause. While running: a direct method to a client not connected to this instance cannot be handed to the other instances because the NATS connection of this instance is down (the client may be online elsewhere; retry once `/health/ready` reports the bus `ok`).',
  },
  CLD_LISTEN_FAILED: {
    status: 500,
    description: 'A listener (HTTP, HTTPS, MQTT, or the `--metrics-port` one) could not bind its address: the port is in use or not permitted; the message names the listener.',
  },
  CLD_CREDENTIALS_NOT_FOUND: {
    status: 404,
    description: 'The cloud data directory holds no credentials yet: start the cloud once (`verge cloud start --data DIR`).',
  },
});
