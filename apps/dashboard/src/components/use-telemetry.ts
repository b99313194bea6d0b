import { useEffect, useMemo, useState } from 'preact/hooks';
import { followTelemetry, type TelemetryMessage } from '../api/telemetry-stream.js';
import { RateWindow } from '../fleet/rate-window.js';

export interface LiveTelemetry {
  /** Newest first, at most `keep`. */
  readonly messages: readonly TelemetryMessage[];
  readonly state: string;
  readonly rates: RateWindow;
  readonly received: number;
}

/** Follows the event stream (all devices, or one) for as long as the component is shown. */
export function useTelemetry(token: string, deviceId: string | undefined, keep = 15): LiveTelemetry {
  const rates = useMemo(() => new RateWindow(60), [deviceId]);
  const [messages, setMessages] = useState<readonly TelemetryMessage[]>([]);
  const [state, setState] = useState('connecting');
  const [received, setReceived] = useState(0);
  useEffect(() => {
    const abort = new AbortController();
    setMessages([]);
    setReceived(0);
    followTelemetry(
      token,
      deviceId === undefined ? {} : { deviceId },
      {
        onMessage: (m) => {
          rates.add(Date.now());
          setReceived((n) => n + 1);
          setMessages((old) => [m, ...old].slice(0, keep));
        },
        onState: (s, detail) => setState(detail === undefined ? s : `${s}: ${detail}`),
      },
      abort.signal,
    );
    return () => abort.abort();
  }, [token, deviceId, keep, rates]);
  return { messages, state, rates, received };
}
