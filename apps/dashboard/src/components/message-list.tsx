import { bodyText, type TelemetryMessage } from '../api/telemetry-stream.js';
import { hrefOf } from '../route.js';

export function MessageList({ messages, testId }: { messages: readonly TelemetryMessage[]; testId?: string }) {
  if (messages.length === 0) return <p class="muted">Waiting for messages…</p>;
  return (
    <table class="messages" data-testid={testId}>
      <thead>
        <tr>
          <th>#</th>
          <th>Enqueued</th>
          <th>From</th>
          <th>Body</th>
        </tr>
      </thead>
      <tbody>
        {messages.map((m) => (
          <tr key={m.sequenceNumber}>
            <td>{m.sequenceNumber}</td>
            <td>{new Date(m.enqueuedTime).toLocaleTimeString()}</td>
            <td>
              <a href={hrefOf.device(m.deviceId)}>{m.deviceId}</a>
              {m.moduleId === undefined ? '' : `/${m.moduleId}`}
            </td>
            <td class="body">{bodyText(m).slice(0, 200)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
