// Types for the osp plugin SDK, protocol 1 (/_osp/sdk/v1/osp.js).
// Reference: docs/plugin-sdk.md.
declare namespace osp {
  /** A refused or failed call; `code` is a stable osp error code. */
  interface OspError extends Error {
    readonly name: 'OspError';
    readonly code:
      | 'permission_denied' | 'rate_limited' | 'timeout' | 'cancelled' | 'invalid_params'
      | 'method_not_found' | 'invalid_request' | 'parse_error' | 'not_found' | 'too_big'
      | 'unauthorized' | 'internal' | (string & {});
  }
  const OspError: { prototype: OspError };

  interface CallOptions {
    /** Rejects with code "cancelled" and tells the host to stop. */
    signal?: AbortSignal;
    /** Milliseconds before the call rejects with code "timeout" (default 15000). */
    timeout?: number;
  }

  interface Theme {
    name: 'light' | 'dark';
    /** CSS custom properties (--osp-bg, --osp-surface, --osp-text, --osp-muted,
     * --osp-border, --osp-accent, --osp-danger), applied to :root for you. */
    tokens: Record<string, string>;
  }

  interface Context {
    tenant: string;
    user: { username: string; role: string };
    locale: string;
    theme: Theme;
    plugin: { id: string; version: string };
    contribution: string;
    surface: 'widgets' | 'fieldRenderers' | 'views' | 'modal';
    /** The permissions this installation was granted. */
    grants: string[];
    /** Field renderers: the object, record id, field (name and type),
     * value, whether it may be edited and where it is shown; views: the
     * object. */
    object?: string;
    record?: string;
    field?: string;
    fieldType?: string;
    value?: unknown;
    editable?: boolean;
    mode?: 'list' | 'form';
    /** In a modal frame: what the plugin passed to ui.modal, and the
     * contribution that opened it. */
    modal?: Record<string, unknown>;
    opener?: string;
  }

  /** Resolves once the host has handed this frame its private channel and context. */
  function ready(): Promise<void>;
  /** A raw JSON-RPC call through the host's relay.  Calls made while others are in
   * flight travel together as one batch (docs/protocol.md); each is still
   * checked and answered on its own. */
  function call<T = unknown>(method: string, params?: Record<string, unknown>, options?: CallOptions): Promise<T>;
  /** Host events; returns a function that stops listening. */
  function on(event: 'context', fn: (context: Context) => void): () => void;
  function on(event: 'theme', fn: (theme: Theme) => void): () => void;
  function on(event: 'visibility', fn: (v: { visible: boolean }) => void): () => void;

  namespace context {
    function get(): Promise<Context>;
    /** The latest context the host sent (null before ready). */
    function current(): Context | null;
  }
  namespace data {
    type Value = string | number | boolean | null;
    interface Query {
      object: string;
      filter?: Record<string, Value>;
      /** "field" or "-field". */
      sort?: string;
      /** 1..100, default 25. */
      limit?: number;
      offset?: number;
    }
    type Row = Record<string, Value> & { id: string; owner: string };
    function query(q: Query, options?: CallOptions): Promise<{ records: Row[]; total: number }>;
    function get(q: { object: string; id: string }, options?: CallOptions): Promise<Row>;
    function create(q: { object: string; values: Record<string, Value> }, options?: CallOptions): Promise<Row>;
    function update(q: { object: string; id: string; values: Record<string, Value> }, options?: CallOptions): Promise<Row>;
    function delete(q: { object: string; id: string }, options?: CallOptions): Promise<{ deleted: true }>;
  }
  namespace storage {
    function get(key: string): Promise<unknown>;
    function set(key: string, value: unknown): Promise<{ stored: true }>;
    function remove(key: string): Promise<{ removed: boolean }>;
    function list(): Promise<string[]>;
    /** localStorage-compatible view (also installed as window.localStorage when granted). */
    const local: Storage;
  }
  namespace ui {
    function toast(message: string, kind?: 'info' | 'success' | 'warning' | 'error'): Promise<{ shown: boolean }>;
    /** Opens another contribution of this plugin in a host modal. */
    function modal(contribution: string, context?: Record<string, unknown>): Promise<{ opened: true }>;
    /** Moves the host to a route such as "contacts/c1". */
    function navigate(to: string): Promise<{ navigated: true }>;
    /** Resolves to the height the host applied (clamped to the surface's limits). */
    function resize(height: number): Promise<{ height: number }>;
    /** Closes the modal this frame is shown in. */
    function close(): void;
  }
}

/**
 * An in-app module (tier U0, a contribution's "module"): the shell imports
 * it into its own page, after checking its bytes in wasm, only for a
 * verified publisher the operator allowed.  It renders into element and
 * talks through client (the same API as the frame's global osp, whose calls
 * pass the same relay).  It may return a function called on unmount.
 */
declare type OspInAppMount = (element: HTMLElement, client: typeof osp) =>
  void | (() => void) | Promise<void | (() => void)>;
