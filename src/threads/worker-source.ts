// The pool's worker, as source text: started from a Blob URL (browsers, Deno, Bun) or with
// `eval: true` (node:worker_threads), so it works from the bundle with no separate file to find.
// Plain JavaScript that runs as a classic script, an ES module or a CommonJS eval alike.
//
// Messages in: init { ctl, index, names, layout }, build { key, bytes },
// attach { slot, id, key, memory, scratch }, detach { slot, id }, hang (tests only).
// Jobs arrive through the control block (protocol.ts): the worker claims chunks of the current job
// until none is left, spins on JOB for `spinMs` after each job, then sleeps until notified
// (Atomics.waitAsync where it exists, so that messages are still handled while idle; otherwise
// short blocking waits with a yield to the event loop in between).
export const WORKER_SOURCE = String.raw`
'use strict';
const nodePort = typeof self === 'undefined' ? require('node:worker_threads').parentPort : null;
const post = (m) => (nodePort ? nodePort.postMessage(m) : self.postMessage(m));
let L, C, ctl, f64, index = -1, names = [];
const builds = new Map();
const arenas = [];
let seen = -1;

const genOf = (job) => job >>> L.CHUNK_BITS;

/** Claims and runs chunks of job generation g until none is left (or the job is no longer g). */
function runJob(g) {
  const arena = arenas[ctl[C.SLOT]];
  const fn = arena && arena.fns[ctl[C.FN]];
  const n = ctl[C.N], chunk = ctl[C.CHUNK], chunks = ctl[C.CHUNKS];
  const pointers = ctl[C.POINTERS], count = ctl[C.ARGS], scratch = ctl[C.SCRATCH];
  const args = new Array(count);
  for (let i = 0; i < count; i++) args[i] = f64[L.ARGS_F64 + i];
  const base = args.slice(0, pointers);
  for (;;) {
    const cur = Atomics.load(ctl, C.JOB);
    const c = cur & (L.MAX_CHUNKS - 1);
    if (genOf(cur) !== g || c >= chunks) return;
    if (Atomics.compareExchange(ctl, C.JOB, cur, cur + 1) !== cur) continue;
    // The claim succeeded, so job g is still in progress and what was read above is its description.
    try {
      if (!fn) throw new Error('arena not attached in worker ' + index);
      const start = c * chunk, end = Math.min(n, start + chunk);
      for (let i = 0; i < pointers; i++) args[i] = base[i] !== 0 ? base[i] + start * 4 : 0;
      args[pointers] = end - start;
      const at = L.RESULTS_F64 + c * L.RESULT_STRIDE;
      f64[at] = +fn.apply(null, args);
      if (scratch > 0) {
        const block = new Float64Array(arena.memory.buffer, arena.scratch, scratch);
        for (let k = 0; k < scratch; k++) f64[at + 1 + k] = block[k];
      }
    } catch (err) {
      Atomics.compareExchange(ctl, C.ERROR, 0, index + 1);
      post({ type: 'error', message: String((err && err.stack) || err) });
    }
    Atomics.add(ctl, C.DONE, 1);
    Atomics.notify(ctl, C.DONE); // wakes the calling thread if it stopped spinning
  }
}

function loop() {
  for (;;) {
    if (Atomics.load(ctl, C.STOP)) return;
    const until = performance.now() + L.spinMs;
    let job, k = 0;
    while (genOf((job = Atomics.load(ctl, C.JOB))) === seen) {
      if ((++k & 255) === 0 && (Atomics.load(ctl, C.STOP) || performance.now() > until)) break;
    }
    if (genOf(job) !== seen) {
      seen = genOf(job);
      Atomics.store(ctl, C.SEEN + index, seen);
      runJob(seen);
      continue;
    }
    if (Atomics.load(ctl, C.STOP)) return;
    // Idle: sleep until notified. SLEEP is set before JOB is read again, so a job published after
    // that read is notified (the publisher stores JOB, then reads SLEEP).
    Atomics.store(ctl, C.SLEEP + index, 1);
    job = Atomics.load(ctl, C.JOB);
    if (genOf(job) !== seen) {
      Atomics.store(ctl, C.SLEEP + index, 0);
      continue;
    }
    if (typeof Atomics.waitAsync === 'function') {
      const r = Atomics.waitAsync(ctl, C.JOB, job);
      if (r.async) {
        // Not blocking the event loop: attach messages are handled while the worker sleeps.
        r.value.then(() => {
          Atomics.store(ctl, C.SLEEP + index, 0);
          loop();
        });
        return;
      }
      Atomics.store(ctl, C.SLEEP + index, 0);
      continue;
    }
    const r = Atomics.wait(ctl, C.JOB, job, 20);
    Atomics.store(ctl, C.SLEEP + index, 0);
    if (r === 'timed-out') {
      setTimeout(loop, 0);
      return;
    }
  }
}

function onMessage(m) {
  switch (m.type) {
    case 'init':
      L = m.layout;
      C = L.CTL;
      ctl = new Int32Array(m.ctl);
      f64 = new Float64Array(m.ctl);
      index = m.index;
      names = m.names;
      seen = genOf(Atomics.load(ctl, C.JOB));
      Atomics.store(ctl, C.SEEN + index, seen);
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
        arenas[m.slot] = { id: m.id, memory: m.memory, scratch: m.scratch, fns: names.map((name) => x[name]) };
        Atomics.store(ctl, L.READY + m.slot * L.STRIDE + index, m.id);
      } catch (err) {
        post({ type: 'error', message: String((err && err.stack) || err) });
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
