/**
 * Encodes one id for a URL path (`encodeURIComponent`), refusing the ids that would address another resource: an
 * empty one (`/devices//effective`), `.` and `..`, which the browser resolves away (`/devices/../effective` is
 * `/effective`, `/devices/./effective` asks for a device called `effective`). The message names the id typed,
 * instead of a 404 saying the cloud lacks the feature or naming another device.
 */
export function pathSegment(id: string): string {
  if (id === '' || id === '.' || id === '..') {
    throw new Error(`id '${id}' cannot be sent: ${id === '' ? 'it is empty' : "'.' and '..' are resolved away in a URL path"}, so the request would address another resource`);
  }
  return encodeURIComponent(id);
}
