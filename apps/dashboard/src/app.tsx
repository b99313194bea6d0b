import { useEffect, useMemo, useState } from 'preact/hooks';
import { createApi } from './api/client.js';
import { createChangeHub } from './api/change-hub.js';
import { clearSession, loadSession, saveSession, type Session } from './api/session.js';
import { onSessionExpiry } from './api/session-expiry.js';
import { ApiPage } from './pages/api-page.js';
import { DeploymentsPage } from './pages/deployments-page.js';
import { DevicePage } from './pages/device-page.js';
import { FleetPage } from './pages/fleet-page.js';
import { JobsPage } from './pages/jobs-page.js';
import { SignInPage } from './pages/sign-in-page.js';
import { ChangeHubContext, useChangeStreamState } from './components/use-live.js';
import { hrefOf, parseRoute, type Route } from './route.js';

function useRoute(): Route {
  const [route, setRoute] = useState(() => parseRoute(location.hash));
  useEffect(() => {
    const onChange = (): void => setRoute(parseRoute(location.hash));
    addEventListener('hashchange', onChange);
    return () => removeEventListener('hashchange', onChange);
  }, []);
  return route;
}

/** The shell: the sign-in page until a valid token is held, then the navigation and the page of the route. */
export function App() {
  const route = useRoute();
  const [session, setSession] = useState<Session | undefined>(() => loadSession(Date.now()));
  const [notice, setNotice] = useState<string | undefined>(undefined);
  const signOut = (message?: string): void => {
    clearSession();
    setSession(undefined);
    setNotice(message);
  };
  // A token that expires while the page is open signs the user out.
  useEffect(() => {
    if (session === undefined) return;
    return onSessionExpiry(session.expirySec, () => signOut('Your token expired: sign in again.'));
  }, [session]);
  const api = useMemo(() => (session === undefined ? undefined : createApi(session.token, (m) => signOut(`Signed out: the cloud refused the token (${m}).`))), [session]);
  // One change stream per signed-in session, shared by every page (pages reload on it instead of polling).
  const hub = useMemo(() => (session === undefined ? undefined : createChangeHub(session.token)), [session]);
  useEffect(() => {
    if (hub === undefined) return;
    const abort = new AbortController();
    hub.start(abort.signal);
    return () => abort.abort();
  }, [hub]);
  if (api === undefined || session === undefined) {
    if (route.page === 'api') return <ApiPage />;
    return (
      <SignInPage
        notice={notice}
        onSignedIn={(s) => {
          saveSession(s);
          setNotice(undefined);
          setSession(s);
        }}
      />
    );
  }
  const nav: [string, string, boolean][] = [
    ['Fleet', hrefOf.fleet(), route.page === 'fleet' || route.page === 'device'],
    ['Deployments', hrefOf.deployments(), route.page === 'deployments'],
    ['Jobs', hrefOf.jobs(), route.page === 'jobs'],
    ['API', hrefOf.api(), route.page === 'api'],
  ];
  return (
    <ChangeHubContext.Provider value={hub}>
      <header>
        <b>Verge</b>
        <nav>
          {nav.map(([label, href, active]) => (
            <a key={href} href={href} class={active ? 'active' : ''}>
              {label}
            </a>
          ))}
        </nav>
        <LiveBadge />
        <span class="who">
          {session.policy} · until {new Date(session.expirySec * 1000).toLocaleTimeString()}{' '}
          <button type="button" data-testid="sign-out" onClick={() => signOut()}>
            Sign out
          </button>
        </span>
      </header>
      <main>
        {route.page === 'fleet' && <FleetPage api={api} />}
        {route.page === 'device' && <DevicePage api={api} deviceId={route.deviceId} />}
        {route.page === 'deployments' && <DeploymentsPage api={api} deploymentId={route.deploymentId} />}
        {route.page === 'jobs' && <JobsPage api={api} />}
        {route.page === 'api' && <ApiPage />}
      </main>
    </ChangeHubContext.Provider>
  );
}

/** The change stream's state: `live`, or `reconnecting` while pages fall back to a slow poll. */
function LiveBadge() {
  const state = useChangeStreamState();
  const text = state === 'live' ? 'live' : state === 'stopped' ? 'not live' : 'reconnecting';
  return (
    <span class={`live ${state === 'live' ? 'on' : 'off'}`} data-testid="live-state" data-state={state} title="Pages update from the cloud's change stream (GET /events/changes)">
      {text}
    </span>
  );
}
