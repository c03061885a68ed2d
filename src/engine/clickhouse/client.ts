/**
 * A small ClickHouse client over its HTTP interface (node:http / node:https; no driver): the query goes in the URL
 * (`?query=`) or the body, settings as URL parameters, the data of an INSERT streams in the request body, a SELECT's
 * result streams out of the response. Errors carry ClickHouse's own message in one line.
 *
 * Tested against Debian's clickhouse-server 18.16.1; nothing here needs a later version.
 */
import { request as httpRequest, type ClientRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';

/** A ClickHouse server's HTTP endpoint. */
export interface ClickHouseServer {
  /** `http://host:port` (or https), without credentials or path. */
  readonly origin: string;
  /** `user:password` for HTTP basic auth, or null (the server's `default` user). */
  readonly credentials: string | null;
}

/** What went wrong talking to ClickHouse; `message` is one line. */
export class ClickHouseError extends Error {
  override readonly name = 'ClickHouseError';
  constructor(
    message: string,
    /** ClickHouse's error code when the server answered with one (60: unknown table, 81: unknown database…). */
    readonly code: number | null,
    /** True when the server could not be reached at all (refused, unknown host, connect timeout). */
    readonly unreachable: boolean,
  ) {
    super(message);
  }
}

/** Timeouts: to connect, and of silence once connected (no byte either way). */
export interface Timeouts {
  readonly connectMs: number;
  readonly idleMs: number;
}

export const DEFAULT_TIMEOUTS: Timeouts = { connectMs: 10_000, idleMs: 300_000 };

/** Settings sent as URL parameters with every query (ClickHouse reads them per request). */
export type Settings = Readonly<Record<string, string | number>>;

/**
 * ClickHouse's error text in one line: "Code: 60, e.displayText() = DB::Exception: Table x doesn't exist., e.what()
 * = DB::Exception" → "Table x doesn't exist. (code 60)".
 */
export function errorLine(body: string): { message: string; code: number | null } {
  const m = /Code: (\d+), e\.displayText\(\) = (?:DB::)?Exception: ([\s\S]*?)(?:, e\.what\(\) = [\w:]+)?\s*$/.exec(body.trim());
  if (m === null) return { message: oneLine(body) || 'no message', code: null };
  const code = Number(m[1]);
  return { message: `${oneLine(m[2] ?? '')} (code ${code})`, code };
}

function oneLine(s: string): string {
  return s.replace(/\s+/g, ' ').trim().slice(0, 400);
}

/** A request to the server: POST `body` (if any) with `query` in the URL. */
function open(server: ClickHouseServer, query: string | null, settings: Settings, timeouts: Timeouts): { req: ClientRequest; response: Promise<IncomingMessage> } {
  const url = new URL(server.origin);
  if (query !== null) url.searchParams.set('query', query);
  for (const [k, v] of Object.entries(settings)) url.searchParams.set(k, String(v));
  // The SQL in the body, or (an INSERT) the data.
  const headers: Record<string, string> = { 'Content-Type': query === null ? 'text/plain; charset=utf-8' : 'application/octet-stream' };
  if (server.credentials !== null) headers['Authorization'] = `Basic ${Buffer.from(server.credentials).toString('base64')}`;
  const make = url.protocol === 'https:' ? httpsRequest : httpRequest;
  // agent: false — a connection per request: the server closes idle keep-alive connections after 3 s (its default),
  // and a request on a connection it is closing fails for no reason of its own.
  const req = make(url, { method: 'POST', headers, agent: false, timeout: timeouts.connectMs });
  let connected = false;
  req.on('socket', (socket) => {
    socket.once(url.protocol === 'https:' ? 'secureConnect' : 'connect', () => {
      connected = true;
      req.setTimeout(timeouts.idleMs);
    });
  });
  const response = new Promise<IncomingMessage>((resolve, reject) => {
    req.on('timeout', () =>
      req.destroy(
        connected
          ? new ClickHouseError(`no answer for ${timeouts.idleMs / 1000} s`, null, false)
          : new ClickHouseError(`no connection within ${timeouts.connectMs / 1000} s`, null, true),
      ),
    );
    req.on('error', (e) => reject(asClickHouseError(e, connected)));
    req.on('response', (res) => {
      if (res.statusCode === 200) {
        resolve(res);
        return;
      }
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', (e) => reject(asClickHouseError(e, true)));
      res.on('end', () => {
        const { message, code } = errorLine(Buffer.concat(chunks).toString('utf8'));
        reject(new ClickHouseError(`ClickHouse answered HTTP ${res.statusCode}: ${message}`, code, false));
      });
    });
  });
  // Callers await `response` (or its chain); this keeps an early failure from being reported as unhandled.
  response.catch(() => undefined);
  return { req, response };
}

function asClickHouseError(e: unknown, connected: boolean): ClickHouseError {
  if (e instanceof ClickHouseError) return e;
  const err = e as NodeJS.ErrnoException;
  const why =
    err.code === 'ECONNREFUSED'
      ? 'connection refused'
      : err.code === 'ENOTFOUND'
        ? 'unknown host'
        : err.code === 'ECONNRESET' || err.code === 'EPIPE'
          ? `the server closed the connection (${err.code})`
          : oneLine(err.message ?? String(e));
  return new ClickHouseError(why, null, !connected);
}

/** Runs a statement or a small query; resolves with the whole response body (text). */
export async function query(server: ClickHouseServer, sql: string, settings: Settings = {}, timeouts: Timeouts = DEFAULT_TIMEOUTS): Promise<string> {
  const { req, response } = open(server, null, settings, timeouts);
  req.end(sql);
  const res = await response;
  const chunks: Buffer[] = [];
  await new Promise<void>((resolve, reject) => {
    res.on('data', (c: Buffer) => chunks.push(c));
    res.on('end', resolve);
    res.on('error', (e) => reject(asClickHouseError(e, true)));
    res.on('aborted', () => reject(new ClickHouseError('the answer was cut off', null, false)));
  });
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * Runs a query whose result may be large: `onData` gets the response body chunk by chunk as it arrives (the socket
 * is paused while `onData` runs, so memory is bounded by one chunk). A failure ClickHouse reports after the result
 * started (HTTP 200 already sent) comes as text in the body: the caller's parser sees it (errorLine reads it).
 */
export async function queryStream(server: ClickHouseServer, sql: string, onData: (chunk: Buffer) => void, settings: Settings = {}, timeouts: Timeouts = DEFAULT_TIMEOUTS): Promise<void> {
  const { req, response } = open(server, null, settings, timeouts);
  req.end(sql);
  const res = await response;
  await new Promise<void>((resolve, reject) => {
    res.on('data', (c: Buffer) => {
      try {
        onData(c);
      } catch (e) {
        res.destroy();
        reject(e);
      }
    });
    res.on('end', resolve);
    res.on('error', (e) => reject(asClickHouseError(e, true)));
    res.on('aborted', () => reject(new ClickHouseError('the answer was cut off', null, false)));
  });
}

/** An INSERT whose data is being sent. */
export interface InsertStream {
  /** Sends data; false when the socket's buffer is full (await `drained()`). */
  write(data: string | Buffer): boolean;
  /** Resolves when the socket takes writes again (at once when it does). */
  drained(): Promise<void>;
  /** Ends the data; resolves when ClickHouse has inserted it (its answer), rejects with its error. */
  end(): Promise<void>;
  /**
   * Abandons the INSERT so that none of its rows go in: ends the body with `poison` (bytes the format cannot read to
   * the end, so the server fails the INSERT before it writes its block) and waits briefly for the server's error.
   * Closing the connection instead is not enough: 18.16 takes a cut chunked body as complete and inserts the rows
   * it got (seen: 99,371 rows of a 200,000-row batch). Resolves once the request is gone: true if the server
   * answered that it inserted the data all the same.
   */
  abort(poison: Buffer): Promise<boolean>;
}

/** Starts `INSERT … FORMAT …` (the statement in the URL); the data follows with write(), chunked. */
export function insertStream(server: ClickHouseServer, insertSql: string, settings: Settings = {}, timeouts: Timeouts = DEFAULT_TIMEOUTS): InsertStream {
  const { req, response } = open(server, insertSql, settings, timeouts);
  let failed: unknown = null;
  response.catch((e: unknown) => {
    failed = e;
  });
  return {
    write: (data) => req.write(data),
    drained: () =>
      req.writableNeedDrain && failed === null
        ? new Promise<void>((resolve, reject) => {
            const done = (): void => {
              req.off('drain', done);
              req.off('close', done);
              if (failed !== null) reject(failed);
              else resolve();
            };
            req.on('drain', done);
            req.on('close', done);
            // An error answer before the body is complete: reject now, not when the socket closes.
            response.catch((e: unknown) => reject(e));
          })
        : failed !== null
          ? Promise.reject(failed)
          : Promise.resolve(),
    async end() {
      req.end();
      const res = await response;
      await new Promise<void>((resolve, reject) => {
        res.resume();
        res.on('end', resolve);
        res.on('error', (e) => reject(asClickHouseError(e, true)));
      });
    },
    async abort(poison) {
      let taken = false;
      if (failed === null && !req.destroyed && !req.writableEnded) {
        req.end(poison);
        const timer = new Promise<void>((resolve) => setTimeout(resolve, 5000).unref());
        await Promise.race([
          response.then(
            (res) => {
              taken = true;
              res.resume();
            },
            () => undefined,
          ),
          timer,
        ]);
      }
      req.destroy();
      return taken;
    },
  };
}
