import { useState } from 'preact/hooks';
import { errorText } from '../api/client.js';
import { signIn, type Session } from '../api/session.js';

/** Sign-in: a service connection string (a token is signed here, the key is not kept) or a pasted SAS token. */
export function SignInPage({ onSignedIn, notice }: { onSignedIn: (s: Session) => void; notice: string | undefined }) {
  const [secret, setSecret] = useState('');
  const [error, setError] = useState<string | undefined>(undefined);
  const [busy, setBusy] = useState(false);
  const submit = async (e: Event): Promise<void> => {
    e.preventDefault();
    setBusy(true);
    try {
      const session = await signIn(secret, Date.now());
      // Check the token against the cloud before keeping it: a wrong key or policy is refused here, not later.
      const res = await fetch('/devices?top=1', { headers: { authorization: session.token } });
      if (!res.ok) {
        const body = (await res.json().catch(() => ({}))) as { message?: string };
        throw new Error(`the cloud refused the token (HTTP ${res.status}): ${body.message ?? ''}`);
      }
      onSignedIn(session);
    } catch (err) {
      setError(errorText(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <div class="sign-in" data-testid="sign-in-page">
      <h1>Verge dashboard</h1>
      <p>Sign in with a service connection string (`verge cloud start` prints the owner one), or paste a SAS token.</p>
      {notice !== undefined && (
        <p class="error" role="alert" data-testid="sign-in-notice">
          {notice}
        </p>
      )}
      <form onSubmit={(e) => void submit(e)}>
        <textarea
          name="secret"
          rows={4}
          autoComplete="off"
          spellcheck={false}
          placeholder="HostName=…;SharedAccessKeyName=…;SharedAccessKey=…   or   SharedAccessSignature sr=…"
          value={secret}
          onInput={(e) => setSecret((e.target as HTMLTextAreaElement).value)}
        />
        <button type="submit" disabled={busy}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
      {error !== undefined && (
        <p class="error" role="alert" data-testid="sign-in-error">
          {error}
        </p>
      )}
      <p class="muted">
        The key never leaves this page: a token valid for 8 hours is signed in the browser and kept for this tab only. <a href="#/api">API reference</a>
      </p>
    </div>
  );
}
