import { useEffect, useState } from 'preact/hooks';
import { errorText, type Api } from '../api/client.js';
import { Panel } from '../components/common.js';
import { pathSegment } from '../api/path-segment.js';

/** What the editor needs of a device twin (the page's latest load). */
export interface EditableTwin {
  readonly deviceId: string;
  readonly etag: string;
  readonly properties: { readonly desired: Record<string, unknown> };
}

/** The text the editor started from: the desired properties of one `$version`. */
interface Base {
  readonly version: unknown;
  readonly text: string;
}

/** Without `$metadata` and `$version`: what an operator edits. */
function editable(desired: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(desired).filter(([k]) => !k.startsWith('$')));
}

function baseOf(desired: Record<string, unknown>): Base {
  return { version: desired['$version'], text: JSON.stringify(editable(desired), null, 2) };
}

/**
 * Edits desired properties as a JSON merge patch (`null` removes a property). The text stays tied to the desired
 * `$version` it was loaded from: untouched, it follows the twin as the page reloads; edited, a save after someone
 * else changed the desired properties is refused here (the text would put back the values it was loaded with),
 * instead of being sent with the latest etag and silently undoing their change. The PATCH carries the etag of the
 * twin shown, so a change in between still gives 412.
 */
export function DesiredEditor({ api, twin, onSaved }: { api: Api; twin: EditableTwin; onSaved: () => void }) {
  const desired = twin.properties.desired;
  const [base, setBase] = useState<Base>(() => baseOf(desired));
  const [text, setText] = useState(base.text);
  const [result, setResult] = useState<{ ok: boolean; text: string } | undefined>(undefined);
  useEffect(() => {
    if (desired['$version'] === base.version || text !== base.text) return;
    const fresh = baseOf(desired);
    setBase(fresh);
    setText(fresh.text);
  }, [desired['$version']]);
  const save = async (e: Event): Promise<void> => {
    e.preventDefault();
    let patch: unknown;
    try {
      patch = JSON.parse(text);
    } catch (err) {
      setResult({ ok: false, text: `desired: not JSON (${errorText(err)})` });
      return;
    }
    if (typeof patch !== 'object' || patch === null || Array.isArray(patch)) {
      setResult({ ok: false, text: 'desired: must be a JSON object' });
      return;
    }
    if (desired['$version'] !== base.version) {
      // Saving again means the operator has seen the change (the twin view shows it) and keeps their text.
      setBase({ version: desired['$version'], text: base.text });
      setResult({
        ok: false,
        text: `desired: changed since this text was loaded ($version ${String(base.version)} → ${String(desired['$version'])}); nothing saved. Check the twin below, then save again to apply this text anyway.`,
      });
      return;
    }
    try {
      const updated = await api.send<EditableTwin>('PATCH', `/twins/${enc(twin.deviceId)}`, { properties: { desired: patch } }, { 'if-match': twin.etag });
      const saved = baseOf(updated.properties.desired);
      setBase(saved);
      setText(saved.text);
      setResult({ ok: true, text: `Saved: desired $version ${String(saved.version)}` });
      onSaved();
    } catch (err) {
      setResult({ ok: false, text: errorText(err) });
    }
  };
  return (
    <Panel title="Edit desired properties" testId="desired-editor">
      <form onSubmit={(e) => void save(e)}>
        <p class="muted">A JSON merge patch: properties given are set, `null` removes one. Sent with the twin's etag (a concurrent change gives 412).</p>
        <textarea name="desired" rows={8} value={text} onInput={(e) => setText((e.target as HTMLTextAreaElement).value)} />
        <button type="submit">Save desired</button>
        {result !== undefined && (
          <p class={result.ok ? 'ok' : 'error'} role="status" data-testid="desired-result">
            {result.text}
          </p>
        )}
      </form>
    </Panel>
  );
}

const enc = pathSegment;
