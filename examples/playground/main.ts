// The playground page: pick a toy function, rules and hyperparameters; the optimizer worker
// (worker.ts, edgeoptim inside) computes the trajectories and this page animates them on the
// contour plot. Click the plot to move the start point.
import { PALETTE } from '../plots';
import { mountPersonalizePanel } from './personalize-panel';
import { TOY_FUNCTIONS, toyFunction, toyOptions, type ToyFunction } from '../toy-functions';
import type { RuleInfo, RunRequest, WorkerMessage } from './protocol';
import { drawStar, drawStart, drawTrajectory, fromPixel, renderBackground, toPixel, type View } from './render';

const DEFAULT_RULES = ['sgd', 'adam', 'adamw', 'qhadam', 'adamomentum', 'hvadam'];
const SIZE = 600;

const $ = <T extends HTMLElement>(id: string): T => document.getElementById(id) as T;
const canvas = $<HTMLCanvasElement>('plot');
const fnSelect = $<HTMLSelectElement>('fn');
const rulesBox = $<HTMLDivElement>('rules');
const legend = $<HTMLUListElement>('legend');
const status = $<HTMLParagraphElement>('status');
const runButton = $<HTMLButtonElement>('run');
const field = (id: string): HTMLInputElement => $<HTMLInputElement>(id);

interface Track {
  key: string;
  label: string;
  color: string;
  points?: Float64Array;
  values?: Float64Array;
  steps?: number;
  error?: string;
}

/** What the headless test reads. */
interface PlaygroundProbe {
  state: 'loading' | 'ready' | 'running' | 'done' | 'error';
  frames: number;
  drawnSteps: number;
  colors: string[];
  workerMs: number;
}
const probe: PlaygroundProbe = { state: 'loading', frames: 0, drawnSteps: 0, colors: [], workerMs: 0 };
(window as unknown as { __playground: PlaygroundProbe }).__playground = probe;
const setState = (s: PlaygroundProbe['state']): void => {
  probe.state = s;
  document.body.dataset.state = s;
};

let rules: RuleInfo[] = [];
let fn: ToyFunction = TOY_FUNCTIONS[0];
let start: [number, number] = [...fn.start];
let background: HTMLCanvasElement | null = null;
let tracks: Track[] = [];
let runId = 0;
let anim = 0;

const dpr = Math.max(1, Math.round(window.devicePixelRatio || 1));
canvas.width = SIZE * dpr;
canvas.height = SIZE * dpr;
canvas.style.width = `${SIZE}px`;
canvas.style.height = `${SIZE}px`;
const ctx = canvas.getContext('2d')!;
ctx.scale(dpr, dpr);
const view = (): View => ({ fn, size: SIZE });

// ---- the optimizer worker ------------------------------------------------------------------------

const worker = new Worker(new URL('./worker.js', import.meta.url), { type: 'module' });
worker.onerror = (e) => fail(`worker failed: ${e.message}`);
worker.onmessage = (e: MessageEvent<WorkerMessage>) => {
  const msg = e.data;
  if (msg.type === 'fatal') return fail(msg.error);
  if (msg.type === 'ready') {
    rules = msg.rules;
    buildRuleList();
    status.textContent = `edgeoptim is running in a Web Worker with ${rules.length} rules. Pick some and press Run.`;
    setState('ready');
    return;
  }
  if (msg.runId !== runId) return; // a stale run
  if (msg.type === 'trajectory') {
    const t = tracks.find((x) => x.key === msg.key);
    if (t) Object.assign(t, { points: msg.points, values: msg.values, steps: msg.steps, error: msg.error });
  } else if (msg.type === 'done') {
    probe.workerMs = msg.ms;
    animate();
  }
};

function fail(message: string): void {
  status.textContent = message;
  status.classList.add('error');
  setState('error');
}

// ---- controls ------------------------------------------------------------------------------------

for (const f of TOY_FUNCTIONS) fnSelect.add(new Option(f.name, f.id));

function buildRuleList(): void {
  rulesBox.textContent = '';
  const names = rules.map((r) => r.name).sort((a, b) => {
    const [ia, ib] = [DEFAULT_RULES.indexOf(a), DEFAULT_RULES.indexOf(b)];
    return (ia < 0 ? 99 : ia) - (ib < 0 ? 99 : ib) || a.localeCompare(b);
  });
  for (const name of names) {
    const row = document.createElement('label');
    row.className = 'rule';
    row.innerHTML = `<input type="checkbox" data-rule="${name}"> <span class="name">${name}</span> <span class="lr">lr <input type="number" step="any" min="0" data-lr="${name}"></span>`;
    rulesBox.append(row);
    (row.querySelector('input[type=checkbox]') as HTMLInputElement).checked = DEFAULT_RULES.includes(name);
  }
  resetRuleLrs();
}

/** Each rule's lr field gets the toy function's suggestion. */
function resetRuleLrs(): void {
  for (const input of rulesBox.querySelectorAll<HTMLInputElement>('input[data-lr]')) {
    input.value = String(toyOptions(fn, input.dataset.lr!).lr);
  }
  field('steps').value = String(fn.steps);
}

function selectFunction(id: string): void {
  cancelAnimationFrame(anim);
  fn = toyFunction(id);
  start = [...fn.start];
  $('formula').textContent = fn.formula;
  background = renderBackground(fn, SIZE * dpr);
  tracks = [];
  legend.textContent = '';
  if (rules.length) resetRuleLrs();
  draw(0);
}

fnSelect.onchange = () => selectFunction(fnSelect.value);
runButton.onclick = () => run();
canvas.onclick = (e) => {
  if (probe.state === 'running') return;
  const r = canvas.getBoundingClientRect();
  start = fromPixel(view(), e.clientX - r.left, e.clientY - r.top);
  tracks = [];
  legend.textContent = '';
  draw(0);
};

function num(id: string): number | undefined {
  const v = field(id).value.trim();
  return v === '' ? undefined : Number(v);
}

/** The "more options" JSON object ({} when blank); throws with a readable message when malformed. */
function extraOptions(): Record<string, unknown> {
  const text = field('extra').value.trim();
  if (!text) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new Error(`More options is not valid JSON: ${(err as Error).message}`);
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error('More options must be a JSON object, e.g. {"nus": [0.7, 1]}');
  return parsed as Record<string, unknown>;
}

function optionsFor(info: RuleInfo, lr: number, extra: Record<string, unknown>): Record<string, unknown> {
  const o: Record<string, unknown> = { ...toyOptions(fn, info.name), lr };
  for (const [k, v] of Object.entries(extra)) if (k in info.defaults) o[k] = v;
  const [b1, b2, momentum] = [num('beta1'), num('beta2'), num('momentum')];
  if ('betas' in info.defaults && (b1 !== undefined || b2 !== undefined)) {
    const d = info.defaults.betas as number[];
    o.betas = [b1 ?? d[0], b2 ?? d[1]];
  }
  if ('momentum' in info.defaults && momentum !== undefined) o.momentum = momentum;
  else if (!('momentum' in info.defaults)) delete o.momentum;
  return o;
}

function run(): void {
  cancelAnimationFrame(anim);
  runId++;
  const chosen = [...rulesBox.querySelectorAll<HTMLInputElement>('input[type=checkbox]:checked')].map((c) => c.dataset.rule!);
  if (chosen.length === 0) {
    status.textContent = 'Pick at least one rule.';
    return;
  }
  let extra: Record<string, unknown>;
  try {
    extra = extraOptions();
  } catch (err) {
    status.textContent = (err as Error).message;
    return;
  }
  const steps = Math.max(1, Math.min(5000, Math.round(num('steps') ?? fn.steps)));
  const req: RunRequest = {
    runId,
    fn: fn.id,
    start,
    steps,
    rules: chosen.map((name) => {
      const lr = Number(rulesBox.querySelector<HTMLInputElement>(`input[data-lr="${name}"]`)!.value);
      return { key: name, rule: name, options: optionsFor(rules.find((r) => r.name === name)!, lr, extra) };
    }),
  };
  tracks = chosen.map((name, i) => ({ key: name, label: name, color: PALETTE[i % PALETTE.length] }));
  probe.colors = tracks.map((t) => t.color);
  probe.frames = 0;
  probe.drawnSteps = 0;
  setState('running');
  status.textContent = `Running ${chosen.length} rules for ${steps} steps in the worker…`;
  worker.postMessage(req);
}

// ---- drawing -------------------------------------------------------------------------------------

function draw(step: number): void {
  ctx.clearRect(0, 0, SIZE, SIZE);
  if (background) ctx.drawImage(background, 0, 0, SIZE, SIZE);
  for (const [mx, my] of fn.minima) drawStar(ctx, ...toPixel(view(), mx, my));
  for (const t of tracks) if (t.points) drawTrajectory(ctx, view(), t.points, step, t.color);
  drawStart(ctx, view(), start);
}

function updateLegend(step: number): void {
  legend.textContent = '';
  for (const t of tracks) {
    const li = document.createElement('li');
    const swatch = `<span class="swatch" style="background:${t.color}"></span>`;
    let text: string;
    if (t.error) text = `<span class="error">${t.error.replace(/</g, '&lt;')}</span>`;
    else {
      const k = Math.min(step, t.steps ?? 0);
      const f = t.values?.[k] ?? NaN;
      const stopped = t.steps !== undefined && t.steps < step ? ' (stopped: left the range)' : '';
      text = `f = ${Math.abs(f) < 1e-3 && f !== 0 ? f.toExponential(2) : f.toFixed(4)}${stopped}`;
    }
    li.innerHTML = `${swatch}<b>${t.label}</b> ${text}`;
    legend.append(li);
  }
}

function animate(): void {
  const total = Math.max(0, ...tracks.map((t) => t.steps ?? 0));
  const perFrame = Math.max(1, Number(field('speed').value));
  let step = 0;
  const frame = (): void => {
    step = Math.min(total, step + perFrame);
    draw(step);
    updateLegend(step);
    probe.frames++;
    probe.drawnSteps = step;
    status.textContent = `Step ${step} / ${total} (the worker computed every trajectory in ${probe.workerMs.toFixed(1)} ms)`;
    if (step < total) anim = requestAnimationFrame(frame);
    else setState('done');
  };
  anim = requestAnimationFrame(frame);
}

selectFunction(fn.id);

// "Personalize a classifier on this device": ONNX Runtime Web runs the head's forward+backward
// graph, edgeoptim updates the weights (index.html's import map resolves ORT from its package).
mountPersonalizePanel($('personalize'), {
  loadOrt: async () => {
    const ort = await import('onnxruntime-web/webgpu');
    ort.env.wasm.numThreads = 1; // this page is not cross-origin isolated: no SharedArrayBuffer
    ort.env.logLevel = 'error';
    return ort;
  },
});
