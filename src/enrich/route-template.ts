/** Route templating: collapse identifiers in paths so endpoints aggregate. (Placeholder: to be completed.) */

/** Options for templating. */
export interface RouteOptions {
  /** User patterns like "/users/:name/repos". */
  readonly patterns: readonly string[];
}

/** A stateful templater (per run): holds the cardinality guard. */
export interface RouteTemplater {
  template(path: string): string;
}

/** Creates a templater. */
export function createRouteTemplater(_options: RouteOptions): RouteTemplater {
  return {
    template: (path) => path.replace(/\/\d+(?=\/|$)/g, '/:id'),
  };
}

/** Static asset by extension. */
export function isStaticAsset(path: string): boolean {
  return /\.(?:js|css|png|jpe?g|gif|svg|ico|woff2?|ttf|map|webp)$/i.test(path);
}
