import { defineErrors } from './define.js';

/** Error codes of the route area (edgeHub route language). Codes are API: deprecate, never rename. */
export const routeErrors = defineErrors({
  ROUTE_SYNTAX_INVALID: {
    status: 400,
    description:
      'A route is not valid route-language syntax (`[SELECT *] FROM source [WHERE condition] INTO sink`): the message names the route, the line and column, what was expected and what was found.',
  },
  ROUTE_OPERAND_TYPE_MISMATCH: {
    status: 400,
    description:
      "An operator in a route condition has operands of the wrong types (e.g. `temp > 30` where `temp` is an application property, which is always a string): the message names the operator, its column, the types found and the types expected.",
  },
  ROUTE_FUNCTION_UNKNOWN: {
    status: 400,
    description: 'A route condition calls a function that is not one of the edgeHub built-in functions.',
  },
  ROUTE_FUNCTION_ARGUMENTS_INVALID: {
    status: 400,
    description: 'A built-in function in a route condition is called with the wrong number or types of arguments; the message lists the accepted signatures.',
  },
  ROUTE_FUNCTION_NOT_ALLOWED: {
    status: 400,
    description: '`twin_change_includes` is used in a route whose source is not `/twinChangeNotifications`.',
  },
  ROUTE_PROPERTY_UNAVAILABLE: {
    status: 400,
    description:
      'A route condition reads what only IoT Hub\'s own routing knows (`$twin.…`: the device twin; `$iothubname`: the hub\'s name). The edge hub evaluates a condition on the message alone, so such a route would never fire: it is refused, and the message names the route and the property.',
  },
  ROUTE_BODY_QUERY_INVALID: {
    status: 400,
    description:
      'A `$body.<path>` query (or a `twin_change_includes` path) is not of the supported form `name(.name | name[index])*`.',
  },
  ROUTE_CONDITION_TOO_COMPLEX: {
    status: 400,
    description: 'A route condition nests deeper than the compiler accepts (parentheses, unary operators, calls or operator chains).',
  },
  ROUTE_SINK_INVALID: {
    status: 400,
    description:
      'A route sink is neither `$upstream` nor `BrokeredEndpoint("/modules/<module>/inputs/<input>")`.',
  },
  ROUTE_NAME_INVALID: {
    status: 400,
    description: 'A route name is empty or contains `.`, `$`, `#` or a space (pattern `^[^\\.\\$# ]+$`).',
  },
  ROUTE_PRIORITY_INVALID: {
    status: 400,
    description: 'A route `priority` is not an integer from 0 to 9.',
  },
  ROUTE_TTL_INVALID: {
    status: 400,
    description: 'A route `timeToLiveSecs` is not an integer from 0 to 4294967295.',
  },
  ROUTE_SPEC_INVALID: {
    status: 400,
    description: 'A route entry is neither a route string nor an object `{ route, priority?, timeToLiveSecs? }` with a string `route`.',
  },
});
