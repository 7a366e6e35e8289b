// The multi-thread check every runtime runs (scripts/test-threads-runtimes.mjs): start a pool of
// 2 threads, step Adam, SGD-momentum and HVAdam on one thread and on the pool, compare. Takes the
// edgeoptim module (the built dist/index.js) and returns a plain JSON-able report.
export async function checkThreads(eo) {
  await eo.init();
  const info = await eo.initThreads({ threads: 2, minElements: 64, minElementsIdle: 0, timeoutMs: 10000 });
  const report = { threads: info.threads, reason: info.reason ?? null, relaxedSimd: info.build.relaxedSimd, rules: {} };
  if (info.threads < 2) return report;
  eo.threadPool().forceSplit(); // correctness check: split every eligible call, no back-off
  const n = 50003;
  const cases = [['adam', { lr: 1e-2 }], ['sgd', { lr: 1e-2, momentum: 0.9 }], ['hvadam', { lr: 1e-2 }]];
  for (const [rule, options] of cases) {
    const make = (threads) => {
      const opt = new eo.Optimizer(eo.RULES[rule] ?? eo.hvadamSpec, { a: [n], b: [17] }, options, { threads });
      for (const name of opt.tensorNames) {
        const p = opt.param(name);
        for (let i = 0; i < p.length; i++) p[i] = Math.sin(i * 0.37 + name.length);
      }
      return opt;
    };
    const one = make(false);
    const many = make(true);
    await eo.whenThreadsReady();
    const before = eo.threadPool().splitCalls;
    const chunksBefore = eo.threadPool().workerChunks;
    for (let s = 0; s < 5; s++) {
      for (const opt of [one, many]) {
        for (const name of opt.tensorNames) {
          const g = opt.grad(name);
          for (let i = 0; i < g.length; i++) g[i] = Math.cos(i * 1.3 + s);
        }
        opt.step();
      }
    }
    let differing = 0;
    let worst = 0;
    for (const name of one.tensorNames) {
      const a = one.param(name);
      const b = many.param(name);
      for (let i = 0; i < a.length; i++) {
        if (a[i] !== b[i]) differing++;
        worst = Math.max(worst, Math.abs(a[i] - b[i]) / (1e-7 + Math.abs(a[i])));
      }
    }
    report.rules[rule] = {
      differing, worstRelative: worst, splitCalls: eo.threadPool().splitCalls - before, workerChunks: eo.threadPool().workerChunks - chunksBefore,
    };
  }
  eo.closeThreads();
  return report;
}
