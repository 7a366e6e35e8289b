// The playground's optimizer thread: edgeoptim runs here, in a Web Worker, never on the page's
// main thread. It announces the rules it has, then answers each run request with one trajectory
// per requested rule (or the error the rule's validation raised).
import { init, Optimizer, RULES } from '../../src/index';
import { runTrajectory, toyFunction } from '../toy-functions';
import type { RuleInfo, RunRequest, WorkerMessage } from './protocol';

const post = (msg: WorkerMessage, transfer: Transferable[] = []): void => (self as unknown as Worker).postMessage(msg, transfer);

function jsonSafe(v: unknown): unknown {
  return typeof v === 'number' && !Number.isFinite(v) ? null : v;
}

async function start(): Promise<void> {
  await init();
  const rules: RuleInfo[] = Object.values(RULES).map((spec) => ({
    name: spec.name,
    defaults: Object.fromEntries(Object.entries(spec.defaults as Record<string, unknown>).map(([k, v]) => [k, jsonSafe(v)])),
  }));
  self.onmessage = (e: MessageEvent<RunRequest>) => run(e.data);
  post({ type: 'ready', rules });
}

function run(req: RunRequest): void {
  const fn = toyFunction(req.fn);
  const t0 = performance.now();
  for (const r of req.rules) {
    try {
      const opt = new Optimizer(RULES[r.rule], { xy: Float32Array.from(req.start) }, r.options);
      const t = runTrajectory(fn, opt, req.steps);
      post({ type: 'trajectory', runId: req.runId, key: r.key, points: t.points, values: t.values, steps: t.steps }, [t.points.buffer, t.values.buffer]);
    } catch (err) {
      post({ type: 'trajectory', runId: req.runId, key: r.key, error: `${(err as Error).name}: ${(err as Error).message}` });
    }
  }
  post({ type: 'done', runId: req.runId, ms: performance.now() - t0 });
}

start().catch((err: unknown) => post({ type: 'fatal', error: String((err as Error)?.stack ?? err) }));
