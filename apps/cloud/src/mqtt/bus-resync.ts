import { isSubscribed, type MqttSession, type SessionRegistry } from '@verge/iothub-mqtt';
import type { Logger } from '@verge/platform';
import type { DeviceEndpointServices } from '../services/types.js';
import type { C2dDispatcher } from './c2d-dispatcher.js';
import { recheckCredentials, type IdentityWatchDeps } from './identity-watch.js';

/**
 * The desired `$version` each connected client was last given (a twin GET answer or a desired patch), by client id:
 * what a catch-up after a bus outage compares the store with.
 */
export class DesiredVersions {
  private readonly seen = new Map<string, number>();

  saw(clientId: string, version: number): void {
    this.seen.set(clientId, Math.max(version, this.seen.get(clientId) ?? 0));
  }

  of(clientId: string): number | undefined {
    return this.seen.get(clientId);
  }

  forget(clientId: string): void {
    this.seen.delete(clientId);
  }
}

/** What a catch-up needs. */
export interface BusResyncDeps extends IdentityWatchDeps {
  readonly services: DeviceEndpointServices;
  readonly sessions: SessionRegistry;
  readonly c2d: C2dDispatcher;
  readonly desired: DesiredVersions;
  readonly log: Logger;
}

/**
 * After this instance's bus came back, the events other instances published meanwhile are lost (NATS core is at most
 * once), and the clients connected here did not move. Each connected client is brought up to the store: its
 * credentials checked again (disabled, deleted or re-keyed elsewhere), its pending C2D messages delivered, and, when
 * its twin's desired properties moved past the version it was last given, the whole desired document sent to it as a
 * desired patch (the SDK merges it; it never asks for the twin again by itself).
 */
export async function resyncAfterBusOutage(d: BusResyncDeps): Promise<void> {
  const sessions = [...d.sessions.all()].filter((s) => s.connection !== undefined);
  d.log.info({ clients: sessions.length }, 'bus connection back: bringing the connected clients up to the store');
  for (const session of sessions) {
    try {
      await recheckCredentials(d, session);
      d.c2d.deliver(session);
      await catchUpDesired(d, session);
    } catch (err) {
      d.log.error({ err, client: session.clientId }, 'catch-up after the bus outage failed for this client');
    }
  }
}

async function catchUpDesired(d: BusResyncDeps, session: MqttSession): Promise<void> {
  const known = d.desired.of(session.clientId);
  if (known === undefined || !isSubscribed(session, 'twinDesiredPatches')) return;
  const { desired } = await d.services.getTwinProperties(session.identity);
  const conn = session.connection;
  if (desired.$version <= known || conn === undefined || conn.closing) return;
  const { $version: version, ...properties } = desired;
  d.desired.saw(session.clientId, version);
  conn.publishDesiredPatch(properties, version);
}
