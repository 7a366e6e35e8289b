// Messages between the playground page and its optimizer worker.

export interface RuleInfo {
  readonly name: string;
  /** The rule's option defaults (non-finite numbers as null). */
  readonly defaults: Record<string, unknown>;
}

export interface RunRequest {
  readonly runId: number;
  /** A toy function id (examples/toy-functions.ts). */
  readonly fn: string;
  readonly start: readonly [number, number];
  readonly steps: number;
  /** One entry per trajectory; `key` tells them apart when a rule appears twice. */
  readonly rules: readonly { readonly key: string; readonly rule: string; readonly options: Record<string, unknown> }[];
}

export type WorkerMessage =
  | { readonly type: 'ready'; readonly rules: RuleInfo[] }
  | {
    readonly type: 'trajectory'; readonly runId: number; readonly key: string;
    readonly points?: Float64Array; readonly values?: Float64Array; readonly steps?: number; readonly error?: string;
  }
  | { readonly type: 'done'; readonly runId: number; readonly ms: number }
  | { readonly type: 'fatal'; readonly error: string };
