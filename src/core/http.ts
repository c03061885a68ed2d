/**
 * HTTP facts shared by the stages: the methods ordinary web traffic uses. Anything else (PROPFIND, SEARCH, CONNECT,
 * a made-up token) answered with an error is the client's doing, and a repeated one is probing, not a flow.
 */

/** Methods of ordinary web traffic. */
export const ORDINARY_METHODS: ReadonlySet<string> = new Set(['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS']);
