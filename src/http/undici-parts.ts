// Only the parts of undici a request uses: its dispatchers, the connector and the request. undici's
// index loads all of it (fetch, cookies, websocket, mocks, caches: over 1 MB of code), and its cookies
// module touches globalThis.Headers, which makes Node load its own copy of undici as well.
import type { Dispatcher as DispatcherType } from 'undici';
import connect from 'undici/lib/api/api-connect.js';
import request from 'undici/lib/api/api-request.js';
import Dispatcher from 'undici/lib/dispatcher/dispatcher.js';

// undici's index attaches its whole API to every dispatcher; requests use request, and ProxyAgent
// opens its tunnel with connect. Attaching only these two is what the index would have done for them.
Object.assign(Dispatcher.prototype, { request, connect });

export { default as Agent } from 'undici/lib/dispatcher/agent.js';
export { default as buildConnector } from 'undici/lib/core/connect.js';
/** The base class, for a dispatcher of our own that routes to others. */
export { Dispatcher as DispatcherBase };
export { default as EnvHttpProxyAgent } from 'undici/lib/dispatcher/env-http-proxy-agent.js';
export { default as ProxyAgent } from 'undici/lib/dispatcher/proxy-agent.js';

/** undici's request(url, options) for an explicit dispatcher: the origin and path come from the URL. */
export function requestVia(dispatcher: DispatcherType, url: URL, options: Omit<DispatcherType.RequestOptions, 'origin' | 'path'>): Promise<DispatcherType.ResponseData> {
  return dispatcher.request({ ...options, origin: url.origin, path: `${url.pathname}${url.search}` });
}
