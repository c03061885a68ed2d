/**
 * Authentication endpoints: login, sign-in, token, auth and session paths (the credential-stuffing state counts
 * writes to them, aggregate/auth-attempts.ts). The pattern is anchored on path segments and linear in the path.
 */
export const AUTH_PATH = /(?:^|\/)(?:login|log-in|signin|sign-in|sign_in|logon|auth(?:enticate|orize)?|oauth2?\/token|token|session|sessions|password|passwd|wp-login\.php|j_security_check|api\/v\d+\/(?:login|auth|token|session))(?:\/|$|\.)/i;

/** True for a login attempt: a POST or PUT to an authentication path. */
export function isAuthAttempt(method: string | null, path: string): boolean {
  return (method === 'POST' || method === 'PUT') && AUTH_PATH.test(path);
}

/** True for an answer that refuses the credentials (or throttles them). */
export function isAuthFailure(status: number | null): boolean {
  return status === 401 || status === 403 || status === 429;
}
