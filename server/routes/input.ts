// What a route takes, declared for the typed client (web/api.ts reads the routes' types through
// hono/client): middleware that only states the input's shape. The handler still reads and
// checks every value itself and names the one at fault in its 400, so messages stay its own.
import type { MiddlewareHandler } from 'hono';

/** Query parameters by name, each given once or repeated. */
export function declareQuery<K extends string>(): MiddlewareHandler<
  any, // any app's Env, as Hono's own validator takes
  string,
  { in: { query: { [k in K]?: string | string[] } } }
> {
  return (_c, next) => next();
}

/** A JSON body of this shape. */
export function declareJson<T>(): MiddlewareHandler<any, string, { in: { json: T } }> {
  return (_c, next) => next();
}
