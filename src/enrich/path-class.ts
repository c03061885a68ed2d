/**
 * Path classes for the scanner judge, computed once per distinct path (the route templater's cache holds them with
 * the route): whether a path names a file that must never be public (SECRET), an admin or CMS surface (PROBE), or
 * carries traversal or injection (ATTACK), and the path's 32-bit hash (distinct paths counted without strings).
 * The patterns run on the whole path and are linear in it (test/hostile/regex.test.ts).
 */
import { hash32 } from '../core/hll';

/**
 * Files whose content must never be public: repositories, environment and credential files, keys, dumps and
 * backups, runtime internals. Asking for one is probing whatever the answer; a 2xx answer with a body may be an
 * exposure.
 */
export const SECRET = /(?:^|\/)(?:\.env(?:\.\w+)?$|\.git(?:\/|$)|\.svn\/|\.hg\/|\.DS_Store$|\.aws\/|\.ssh\/|\.htaccess$|\.htpasswd$|\.vscode\/|id_[rd]sa|\.?credentials(?:\.\w+)?$|wp-config\.php.|config\.(?:yml|yaml)$|config\.(?:php|yml|yaml)\.\w+$|web\.config$|docker-compose\.ya?ml$|composer\.(?:json|lock)$|phpinfo\.php$|server-status$|actuator\/(?:env|heapdump|threaddump|configprops|beans|mappings|loggers)|jolokia|vendor\/phpunit|eval-stdin\.php$|shell\.php$|\.well-known\/security\.txt\.bak$|(?:backups?|dump|db|database|site|www|wwwroot|htdocs|public_html)\.(?:zip|tar|tar\.gz|tgz|gz|7z|rar|sql)$|\.(?:bak|old|sql|sql\.gz|swp)$)/i;
/**
 * Admin and CMS surfaces and backup folders: a site that has them serves them to its own users, so they count as
 * probes only when the server does not have them (answered 4xx).
 */
export const PROBE = /(?:^|\/)(?:wp-login\.php|wp-admin|xmlrpc\.php|wp-config\.php$|phpmyadmin|pma\/|adminer\.php|administrator\/|admin\.php$|actuator(?:\/|$)|config\.php$|backups?(?:\/|$)|cgi-bin\/|boaform|HNAP1|owa\/auth|remote\/login)/i;
/** Traversal and injection in path or query (raw or percent-encoded). */
export const ATTACK = /(?:\.\.\/|\.\.%2f|%2e%2e|\/etc\/passwd|\bunion(?:\s|%20|\+)+select\b|'(?:\s|%20)*or(?:\s|%20)+'?1|<script|%3cscript|\$\{jndi:|\$%7bjndi|\bsleep\(\d|;(?:\s|%20)*(?:cat|wget|curl)(?:\s|%20)|\bcmd=|\bexec\(|base64_decode|\/bin\/sh|%00)/i;

/** Class bits of a path; the rest of the class number is the path's 32-bit hash times FLAGS. */
export const IS_SECRET = 1;
export const IS_ATTACK = 2;
export const IS_PROBE = 4;
export const FLAGS = 8;

/** The class of a path: its pattern bits plus FLAGS × hash32(path). */
export function classifyPath(path: string): number {
  const bits = (SECRET.test(path) ? IS_SECRET : 0) | (ATTACK.test(path) ? IS_ATTACK : 0) | (PROBE.test(path) ? IS_PROBE : 0);
  return bits + FLAGS * hash32(path);
}

/** The class of a record without a path (the scanner counts it as the empty path). */
export const NO_PATH_CLASS = classifyPath('');

/** An identifier segment: all digits, 1–12 of them (`/items/1001`, `/items/1001/reviews`). */
const TRAILING_ID = /\/(\d{1,12})(?:\/|$)/;

/** The identifier api-abuse follows in a path (its first identifier segment), or -1. */
export function pathIdentifier(path: string): number {
  const m = TRAILING_ID.exec(path);
  return m === null ? -1 : Number(m[1]);
}
