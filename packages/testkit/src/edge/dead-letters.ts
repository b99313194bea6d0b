import { request } from 'node:http';
import type { DeadLetterSender } from '@verge/contracts';
import type { RunningEdge } from '@verge/edge';

/** One call to the edge runtime's management API (the unix socket the `verge edge` commands use); rejects unless 200. */
export function managementJson<T>(edge: Pick<RunningEdge, 'managementSocketPath'>, method: 'GET' | 'POST', path: string): Promise<T> {
  return new Promise((resolve, reject) => {
    const req = request({ socketPath: edge.managementSocketPath, method, path }, (res) => {
      let text = '';
      res.on('data', (c: Buffer) => (text += c.toString()));
      res.on('end', () => (res.statusCode === 200 ? resolve(JSON.parse(text) as T) : reject(new Error(`${method} ${path} answered ${res.statusCode}: ${text}`))));
    });
    req.on('error', reject);
    req.end();
  });
}

/** `GET /dead-letters`: the senders whose upstream messages the edge hub parked. */
export async function listDeadLetters(edge: Pick<RunningEdge, 'managementSocketPath'>): Promise<DeadLetterSender[]> {
  return (await managementJson<{ senders: DeadLetterSender[] }>(edge, 'GET', '/dead-letters')).senders;
}

/** The parked sender `sender` (undefined when it has no parked messages). */
export async function deadLetterOf(edge: Pick<RunningEdge, 'managementSocketPath'>, sender: string): Promise<DeadLetterSender | undefined> {
  return (await listDeadLetters(edge)).find((d) => d.sender === sender);
}
