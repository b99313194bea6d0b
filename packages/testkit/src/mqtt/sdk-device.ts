import device from 'azure-iot-device';
import deviceMqtt from 'azure-iot-device-mqtt';

/**
 * A fresh, unmodified Azure SDK device client (MQTT) with connection string `cs` trusting `ca`: connects, sends one
 * message `body` (PUBACK) and, with `twin`, reads its twin; rejects with `failure` after `timeoutMs`. Proves a
 * server still serves legitimate clients (after a flood, a fuzz run, …).
 */
export async function sdkRoundTrip(cs: string, ca: string, o: { body: unknown; twin?: boolean; timeoutMs?: number; failure?: string }): Promise<void> {
  const timeoutMs = o.timeoutMs ?? 10_000;
  const client = device.Client.fromConnectionString(cs, deviceMqtt.Mqtt);
  await client.setOptions({ ca });
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      (async () => {
        await client.open();
        await client.sendEvent(new device.Message(JSON.stringify(o.body)));
        if (o.twin === true) await client.getTwin();
      })(),
      new Promise((_, reject) => (timer = setTimeout(() => reject(new Error(o.failure ?? `the SDK client did not round-trip within ${timeoutMs} ms`)), timeoutMs))),
    ]);
  } finally {
    clearTimeout(timer);
    await client.close().catch(() => undefined);
  }
}
