/** Small constructors for parse results, shared by every format. */
import type { DiagnosticCode } from '../../core/types';
import { excerpt } from '../../core/text';
import type { ParseContext, ParseResult } from '../types';

/** A parse error result with a located, excerpted diagnostic. */
export function parseError(
  line: string,
  ctx: ParseContext,
  message: string,
  field?: string,
  code: DiagnosticCode = field ? 'PARSE_BAD_FIELD' : 'PARSE_NO_MATCH',
): ParseResult {
  return {
    kind: 'error',
    diagnostic: {
      code,
      severity: 'error',
      message,
      source: ctx.source,
      ...(field ? { field } : {}),
      ...(ctx.detecting === true ? {} : { excerpt: excerpt(line) }),
    },
  };
}

/** Strips a trailing ":port" from a host header value ("example.com:443" → "example.com", "[::1]:80" → "[::1]"). */
export function hostWithoutPort(host: string | null): string | null {
  if (host === null) return null;
  const colon = host.lastIndexOf(':');
  if (colon < 0) return host;
  const close = host.lastIndexOf(']');
  if (host.charCodeAt(0) === 91 && close > colon) return host;
  if (host.charCodeAt(0) !== 91 && host.indexOf(':') !== colon) return host; // bare IPv6
  return host.slice(0, colon) || null;
}

/**
 * The line of `ELBAccessLogTestFile`, which Elastic Load Balancing writes under AWSLogs/<account>/ when access logs
 * are turned on ("Enable AccessLog for ELB: <name> at <time>"): not a request, skipped, so walking an S3 export tree
 * reports no malformed input for it.
 */
export function isAwsTestFileLine(line: string): boolean {
  return line.startsWith('Enable AccessLog for ELB:');
}
