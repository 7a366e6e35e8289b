// The pool's worker, as source text: started from a Blob URL (browsers, Deno, Bun) or with
// `eval: true` (node:worker_threads), so it works from the bundle with no separate file to find.
// Plain JavaScript that runs as a classic script, an ES module or a CommonJS eval alike.
//
// Messages in: init { ctl, index, names, ctlLayout, spinMs, ready, stride, args, results }, build { key, bytes },
// attach { slot, id, key, memory, scratch }, detach { slot }, hang (tests only).
// Jobs arrive through the control block (protocol.ts): the worker spins on GEN for `spinMs` after
// each job, then waits for a notify (Atomics.waitAsync where it exists, so that messages are still
// handled while idle; otherwise short blocking waits with a yield to the event loop in between).
export const WORKER_SOURCE = String.raw`
'use strict';
const nodePort = typeof self === 'undefined' ? require('node:worker_threads').parentPort : null;
const post = (m) => (nodePort ? nodePort.postMessage(m) : self.postMessage(m));
let C, ctl, f64, index = -1, names = [], spinMs = 1, READY = 0, STRIDE = 0, ARGS = 0, RESULTS = 0;
const builds = new Map();
const arenas = [];
let seen = 0;

function partBound(n, parts, k, align) {
  return k >= parts ? n : Math.floor((n * k) / parts / align) * align;
}

function runJob(gen) {
  // Every worker acknowledges every job (DONE), taking part or not, so none lags behind a job.
  const parts = ctl[C.PARTS];
  const part = index + 1;
  const claim = C.CLAIM + index;
  const last = Atomics.load(ctl, claim);
  // The claim: the main thread takes a range over itself (CAS) when a worker times out.
  if (part < parts && last !== gen && Atomics.compareExchange(ctl, claim, last, gen) === last) run(parts, part);
  Atomics.add(ctl, C.DONE, 1);
  Atomics.notify(ctl, C.DONE); // wakes the calling thread if it stopped spinning
}

function run(parts, part) {
  try {
    const arena = arenas[ctl[C.SLOT]];
    const fn = arena && arena.fns[ctl[C.FN]];
    if (!fn) throw new Error('arena not attached in worker ' + index);
    const n = ctl[C.N], align = ctl[C.ALIGN], pointers = ctl[C.POINTERS], count = ctl[C.ARGS];
    const start = partBound(n, parts, part, align), end = partBound(n, parts, part + 1, align);
    const args = new Array(count);
    for (let i = 0; i < count; i++) args[i] = f64[ARGS + i];
    for (let i = 0; i < pointers; i++) if (args[i] !== 0) args[i] += start * 4;
    args[pointers] = end - start;
    // Called even for an empty range, so reductions write their identity (0 sums, true, ...).
    f64[RESULTS + index] = +fn.apply(null, args);
  } catch (err) {
    Atomics.compareExchange(ctl, C.ERROR, 0, index + 1);
    post({ type: 'error', message: String(err && err.stack || err) });
  }
}

function loop() {
  for (;;) {
    if (Atomics.load(ctl, C.STOP)) return;
    const until = performance.now() + spinMs;
    let g, k = 0;
    while ((g = Atomics.load(ctl, C.GEN)) === seen) {
      if ((++k & 255) === 0 && (Atomics.load(ctl, C.STOP) || performance.now() > until)) break;
    }
    if (g !== seen) {
      seen = g;
      runJob(g);
      continue;
    }
    if (Atomics.load(ctl, C.STOP)) return;
    // Idle: wait for a notify without blocking the event loop, so attach messages get through.
    if (typeof Atomics.waitAsync === 'function') {
      const r = Atomics.waitAsync(ctl, C.GEN, seen);
      if (r.async) {
        r.value.then(loop);
        return;
      }
      continue;
    }
    if (Atomics.wait(ctl, C.GEN, seen, 20) === 'timed-out') {
      setTimeout(loop, 0);
      return;
    }
  }
}

function onMessage(m) {
  switch (m.type) {
    case 'init':
      C = m.ctlLayout;
      ctl = new Int32Array(m.ctl);
      f64 = new Float64Array(m.ctl);
      index = m.index;
      names = m.names;
      spinMs = m.spinMs;
      READY = m.ready;
      STRIDE = m.stride;
      ARGS = m.args;
      RESULTS = m.results;
      seen = Atomics.load(ctl, C.GEN);
      post({ type: 'ready' });
      loop();
      break;
    case 'build':
      builds.set(m.key, new WebAssembly.Module(m.bytes));
      break;
    case 'attach': {
      try {
        const abort = () => { throw new Error('edgeoptim kernel aborted'); };
        const instance = new WebAssembly.Instance(builds.get(m.key), { env: { memory: m.memory, abort } });
        const x = instance.exports;
        if (x.set_reduction_scratch) x.set_reduction_scratch(m.scratch);
        arenas[m.slot] = { id: m.id, memory: m.memory, fns: names.map((name) => x[name]) };
        Atomics.store(ctl, READY + m.slot * STRIDE + index, m.id);
      } catch (err) {
        post({ type: 'error', message: String(err && err.stack || err) });
      }
      break;
    }
    case 'detach':
      if (arenas[m.slot] && arenas[m.slot].id === m.id) arenas[m.slot] = undefined;
      break;
    case 'hang':
      for (;;) {}
  }
}

if (nodePort) nodePort.on('message', onMessage);
else self.onmessage = (e) => onMessage(e.data);
`;
