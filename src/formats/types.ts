/** The shape of a log format plugin. One per file under src/formats/, `id` equal to the file name. */
import type { Diagnostic, LogRecord, SourceRef } from '../core/types';
import type { FreshRecord } from './shared/record';

/** Outcome of parsing one line: a record, a line to skip silently, or a reported error. */
export type ParseResult =
  | { readonly kind: 'record'; readonly record: LogRecord; readonly warnings?: readonly Diagnostic[] }
  /**
   * 'message': a line the logging process writes besides its access log (HAProxy's "Proxy started", "Server is
   * DOWN"); `note` says what it reported when that matters to an investigation (a server changing state).
   */
  | { readonly kind: 'skip'; readonly reason: 'blank' | 'comment' | 'header' | 'message'; readonly note?: Diagnostic }
  | { readonly kind: 'error'; readonly diagnostic: Diagnostic };

/** What a parser knows about the line besides its text. */
export interface ParseContext {
  readonly source: SourceRef;
  /** Treat recoverable oddities (e.g. unknown trailing ALB fields) as errors. */
  readonly strict: boolean;
  /** Set by format detection, which only counts what parses: error results need no excerpt. */
  readonly detecting?: boolean;
  /** A record the caller no longer needs, which the parser may fill instead of building one (see processBatch). */
  readonly recycle?: FreshRecord | null;
}

/**
 * A log format: a plain object of pure functions (no I/O, no clock, no mutable state).
 */
export interface FormatParser {
  readonly id: string;
  readonly title: string;
  /** One line for `lbua formats`. */
  readonly description: string;
  /** Upstream field documentation. */
  readonly docsUrl: string;
  /** Real-shaped sample lines; the registry test parses each. */
  readonly samples: readonly string[];
  /** Cheap shape check: 0 (not this format) .. 1 (certainly this format). */
  detect(line: string): number;
  parse(line: string, ctx: ParseContext): ParseResult;
  /**
   * For a format whose files declare their own layout in a header (W3C `#Fields:` in CloudFront logs): the parser
   * for the layout the input's first lines declare (`sample`, as detection saw them), or this format when they
   * declare none. Called once per input, after the format is chosen; pure.
   */
  forInput?(sample: readonly string[]): FormatParser;
  /**
   * For a format whose lines may each hold several records (Azure diagnostic logs through Event Hubs put a batch on
   * one line: `{"records":[{…},{…}]}`): the records of a line that holds more than one, as texts `parse` reads one
   * by one, each keeping the line's file:line; null for a line `parse` reads as it is (one record, or not the
   * format's: malformed JSON stays one malformed line). Pure, and cheap when null. Only formats that can pack
   * records have it, so the others cost the pipeline nothing per line (processBatch; readLine for the cold paths).
   */
  split?(line: string): readonly string[] | null;
}

