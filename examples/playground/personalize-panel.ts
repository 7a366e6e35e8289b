// The playground panel "Personalize a classifier on this device": click to place points of the
// selected class (or generate some), pick a rule and a path (CPU: ONNX Runtime's wasm EP + the
// wasm arena; GPU: its WebGPU EP with the optimizer's state and gradients on the GPU), train, and
// watch the decision regions, the loss and steps/s. Mount it with
//   mountPersonalizePanel(document.getElementById('personalize'), { loadOrt: () => import('onnxruntime-web/webgpu') })
// It builds its own DOM inside the container and keeps no global state.
import type { OrtLike } from '../../src/ort/index';
import { argmax, availablePaths, generatePoints, grid, Personalizer, rulesFor, type LabeledPoint, type Path } from './personalize-core';

export interface PanelOptions {
  /** How to load ONNX Runtime Web's WebGPU build (the page decides how it is resolved). */
  readonly loadOrt: () => Promise<unknown>;
  readonly classes?: number;
}

const COLORS = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e'];
// Opaque pale tints: overlapping cells of the region map then show no seams.
const FILLS = ['#d2e3f0', '#f6d0d0', '#d5ecd5', '#e4dcee', '#ffe2c8'];
const DEFAULT_OPTIONS: Record<string, Record<string, unknown>> = {
  sgd: { lr: 0.3, momentum: 0.9 },
  adam: { lr: 0.03 },
  adamw: { lr: 0.03, weightDecay: 0.01 },
};
const GRID = 48;
const SIZE = 320;

function el<K extends keyof HTMLElementTagNameMap>(tag: K, props: Partial<HTMLElementTagNameMap[K]> = {}, ...children: (Node | string)[]): HTMLElementTagNameMap[K] {
  const e = Object.assign(document.createElement(tag), props);
  e.append(...children);
  return e;
}

/** Builds the panel inside `root`; returns a function that removes it. */
export function mountPersonalizePanel(root: HTMLElement, options: PanelOptions): () => void {
  const classes = Math.min(options.classes ?? 3, COLORS.length);
  let points: LabeledPoint[] = generatePoints(classes, 12, 7);
  let current = 0;
  let run: Personalizer | null = null;
  let busy = false;
  let regions: Float32Array | null = null;

  const canvas = el('canvas', { width: SIZE, height: SIZE, title: 'click: add a point of the selected class; shift-click: remove the nearest' });
  canvas.style.cssText = 'border:1px solid #888;cursor:crosshair;touch-action:none';
  const classButtons = Array.from({ length: classes }, (_, c) => {
    const b = el('button', { textContent: `class ${c + 1}`, type: 'button' });
    b.style.cssText = `border:2px solid ${COLORS[c]};margin-right:4px`;
    b.onclick = () => { current = c; paintButtons(); };
    return b;
  });
  const pathSelect = el('select', {}, el('option', { value: 'cpu', textContent: 'CPU: ORT wasm EP + wasm SIMD step' }), el('option', { value: 'gpu', textContent: 'GPU: ORT WebGPU EP, state on the GPU' }));
  const ruleSelect = el('select');
  const optionsInput = el('input', { type: 'text', size: 34, title: 'rule options as JSON' });
  const stepsInput = el('input', { type: 'number', value: '200', min: '1', max: '5000', size: 6 });
  const trainButton = el('button', { textContent: 'Train', type: 'button' });
  const resetButton = el('button', { textContent: 'New head', type: 'button' });
  const generateButton = el('button', { textContent: 'Generate points', type: 'button' });
  const clearButton = el('button', { textContent: 'Clear points', type: 'button' });
  const status = el('pre', { textContent: 'Place points, then Train.' });
  status.style.cssText = 'white-space:pre-wrap;min-height:4em';

  const panel = el('section', { className: 'edgeoptim-personalize' },
    el('h2', { textContent: 'Personalize a classifier on this device' }),
    el('p', { textContent: 'Each point is a 2-D embedding. A 2-layer head (2-16-classes) is trained by ONNX Runtime Web running its forward+backward graph; edgeoptim updates the weights. Nothing leaves this device.' }),
    el('div', {}, ...classButtons, generateButton, clearButton),
    canvas,
    el('div', {}, el('label', { textContent: 'path ' }, pathSelect), ' ', el('label', { textContent: 'rule ' }, ruleSelect)),
    el('div', {}, el('label', { textContent: 'options ' }, optionsInput), ' ', el('label', { textContent: 'steps ' }, stepsInput)),
    el('div', {}, trainButton, resetButton),
    status,
  );
  root.append(panel);

  const paintButtons = (): void => classButtons.forEach((b, c) => { b.style.background = c === current ? FILLS[c] : ''; });
  const fillRules = (): void => {
    const keep = ruleSelect.value || 'adamw';
    ruleSelect.replaceChildren(...rulesFor(pathSelect.value as Path).map((r) => el('option', { value: r, textContent: r })));
    ruleSelect.value = rulesFor(pathSelect.value as Path).includes(keep) ? keep : 'adamw';
    optionsInput.value = JSON.stringify(DEFAULT_OPTIONS[ruleSelect.value] ?? { lr: 0.03 });
  };

  const draw = (): void => {
    const ctx = canvas.getContext('2d')!;
    ctx.clearRect(0, 0, SIZE, SIZE);
    if (regions) {
      const cell = SIZE / GRID;
      for (let i = 0; i < GRID * GRID; i++) {
        ctx.fillStyle = FILLS[argmax(regions, i, classes)];
        ctx.fillRect((i % GRID) * cell, Math.floor(i / GRID) * cell, cell + 0.5, cell + 0.5);
      }
    }
    for (const p of points) {
      ctx.beginPath();
      ctx.arc(((p.x + 1) / 2) * SIZE, ((1 - p.y) / 2) * SIZE, 4.5, 0, 2 * Math.PI);
      ctx.fillStyle = COLORS[p.label];
      ctx.fill();
      ctx.strokeStyle = '#fff';
      ctx.stroke();
    }
  };

  const forget = async (): Promise<void> => {
    const r = run;
    run = null;
    regions = null;
    await r?.dispose();
  };

  canvas.onclick = (e: MouseEvent) => {
    if (busy) return;
    const rect = canvas.getBoundingClientRect();
    const x = (2 * (e.clientX - rect.left)) / rect.width - 1;
    const y = 1 - (2 * (e.clientY - rect.top)) / rect.height;
    if (e.shiftKey && points.length) {
      let best = 0;
      points.forEach((p, i) => { if ((p.x - x) ** 2 + (p.y - y) ** 2 < (points[best].x - x) ** 2 + (points[best].y - y) ** 2) best = i; });
      points = points.filter((_, i) => i !== best);
    } else {
      points = [...points, { x, y, label: current }];
    }
    void forget().then(draw); // the data changed: the next Train starts a new head
  };
  generateButton.onclick = () => { if (!busy) { points = generatePoints(classes, 12, Math.floor(Math.random() * 1e9)); void forget().then(draw); } };
  clearButton.onclick = () => { if (!busy) { points = []; void forget().then(draw); } };
  resetButton.onclick = () => { if (!busy) void forget().then(() => { status.textContent = 'A new head starts at the next Train.'; draw(); }); };
  pathSelect.onchange = () => { fillRules(); void forget().then(draw); };
  ruleSelect.onchange = () => { optionsInput.value = JSON.stringify(DEFAULT_OPTIONS[ruleSelect.value] ?? { lr: 0.03 }); void forget().then(draw); };
  optionsInput.onchange = () => void forget().then(draw);

  trainButton.onclick = async () => {
    if (busy) return;
    busy = true;
    trainButton.disabled = true;
    try {
      let opts: Record<string, unknown>;
      try {
        opts = JSON.parse(optionsInput.value || '{}');
      } catch {
        throw new Error(`options must be JSON, e.g. {"lr": 0.03}`);
      }
      if (!run) {
        status.textContent = 'Loading ONNX Runtime and compiling the graphs…';
        const ort = (await options.loadOrt()) as OrtLike;
        run = await Personalizer.create(ort, points, { classes, hidden: 16, rule: ruleSelect.value, options: opts, path: pathSelect.value as Path });
      }
      const steps = Math.max(1, Math.min(5000, Math.floor(Number(stepsInput.value) || 200)));
      const report = await run.train(steps);
      regions = await run.predict(grid(GRID));
      status.textContent = `${run.config.rule} on the ${run.config.path === 'gpu' ? 'GPU path' : 'CPU path'}: step ${run.stepCount}, loss ${report.loss.toFixed(4)}, `
        + `training accuracy ${(100 * report.accuracy).toFixed(0)}%, ${report.stepsPerSecond.toFixed(0)} steps/s over the last ${steps} steps`;
      draw();
    } catch (err) {
      status.textContent = `${(err as Error).name}: ${(err as Error).message}`;
      await forget();
    } finally {
      busy = false;
      trainButton.disabled = false;
    }
  };

  void availablePaths().then((paths) => {
    if (!paths.gpu) {
      const gpuOption = pathSelect.options[1];
      gpuOption.disabled = true;
      gpuOption.textContent += ` (unavailable: ${paths.why})`;
    }
  });
  paintButtons();
  fillRules();
  draw();
  return () => {
    void forget();
    panel.remove();
  };
}
