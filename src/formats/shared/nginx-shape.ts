/** Shape shared by the clf and nginx detectors: nginx timing/upstream fields after the user agent. */

/**
 * After the quoted user agent: `$request_time` (seconds with ms, e.g. 0.123) possibly after `$request_length` or a
 * quoted X-Forwarded-For, or key=value timing fields (rt=, urt=, request_time=, upstream_response_time=).
 */
export const NGINX_TAIL = /" (?:"[^"]*" )?(?:\d+ )?(?:\d+\.\d{3}|-)(?: |$)|\b(?:rt|urt|uct|uht|request_time|upstream_response_time)=/;
