/**
 * HTTP facts shared by the stages: the methods ordinary web traffic uses. Anything else (PROPFIND, SEARCH, CONNECT,
 * a made-up token) answered with an error is the client's doing, and a repeated one is probing, not a flow.
 */

/** Methods of ordinary web traffic. */
export const ORDINARY_METHODS: ReadonlySet<string> = new Set(['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS']);

/**
 * Whether a 5xx answer says the request made the site fail: not 501 or 505 (a method or version the client made up:
 * a refusal), nor 502/503/504 (a failing target or site answers everyone so: a probe that arrived during an outage
 * got them like every other client). The caller checks that `status` is a 5xx.
 */
export function failedOnRequest(status: number): boolean {
  return status !== 501 && status !== 505 && (status < 502 || status > 504);
}
