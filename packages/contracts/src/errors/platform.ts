import { defineErrors } from './define.js';

/**
 * Error codes raised by the shared service plumbing (`@verge/platform`): the HTTP layer of every Verge service
 * and its embedded database. Codes are API: deprecate, never rename.
 */
export const platformErrors = defineErrors({
  HTTP_ROUTE_NOT_FOUND: { status: 404, description: 'No route matches the request\'s method and path.' },
  HTTP_BODY_MALFORMED: { status: 400, description: 'The request body is not valid JSON (or is empty where a body is required).' },
  HTTP_BODY_TOO_LARGE: { status: 413, description: 'The request body exceeds the size the route accepts.' },
  HTTP_MEDIA_TYPE_UNSUPPORTED: { status: 415, description: 'The request\'s `Content-Type` is not one the route accepts.' },
  HTTP_REQUEST_INVALID: { status: 400, description: 'The HTTP request is malformed (bad header, bad URL encoding).' },
  DB_SCHEMA_TOO_NEW: {
    status: 500,
    description: 'The database was migrated by a newer Verge version than this one; upgrade Verge or restore a matching backup.',
  },
  DB_MIGRATIONS_INVALID: { status: 500, description: 'The numbered migrations are not strictly increasing from 1 (a programming error).' },
});
