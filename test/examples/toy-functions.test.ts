// The demo's and playground's toy functions: analytic gradients against central differences,
// the stated minima, the trajectory runner, and the hand-written SVG.
import { beforeAll, describe, expect, it } from 'vitest';
import { init, Optimizer, RULES } from '../../src/index';
import { contourLevels, contourPlot, lineChart, niceTicks } from '../../examples/plots';
import { runTrajectory, SPHERE, TOY_FUNCTIONS, toyFunction, toyOptions, toyParams } from '../../examples/toy-functions';

beforeAll(() => init());

describe('toy functions', () => {
  for (const fn of TOY_FUNCTIONS) {
    it(`${fn.name}: gradient matches central differences`, () => {
      const { xMin, xMax, yMin, yMax } = fn.domain;
      let seed = 7;
      const rand = (): number => ((seed = (seed * 16807) % 2147483647) / 2147483647);
      for (let k = 0; k < 200; k++) {
        const x = xMin + (xMax - xMin) * rand();
        const y = yMin + (yMax - yMin) * rand();
        // Skip the kinks of |·| (the valley) where a one-sided slope is as right as the other.
        if (fn.id === 'valley' && (Math.abs(x - y) < 1e-3 || Math.abs(x + y) < 1e-3)) continue;
        const h = 1e-6;
        const [gx, gy] = fn.grad(x, y);
        const nx = (fn.f(x + h, y) - fn.f(x - h, y)) / (2 * h);
        const ny = (fn.f(x, y + h) - fn.f(x, y - h)) / (2 * h);
        const scale = 1 + Math.abs(nx) + Math.abs(ny);
        expect(Math.abs(gx - nx) / scale).toBeLessThan(1e-5);
        expect(Math.abs(gy - ny) / scale).toBeLessThan(1e-5);
      }
    });

    it(`${fn.name}: the minima are minima and the start is inside the plot`, () => {
      const { xMin, xMax, yMin, yMax } = fn.domain;
      expect(fn.start[0]).toBeGreaterThanOrEqual(xMin);
      expect(fn.start[0]).toBeLessThanOrEqual(xMax);
      expect(fn.start[1]).toBeGreaterThanOrEqual(yMin);
      expect(fn.start[1]).toBeLessThanOrEqual(yMax);
      for (const [mx, my] of fn.minima) {
        const fm = fn.f(mx, my);
        for (let a = 0; a < 16; a++) {
          const t = (a * Math.PI) / 8;
          expect(fn.f(mx + 0.05 * Math.cos(t), my + 0.05 * Math.sin(t))).toBeGreaterThan(fm);
        }
        const [gx, gy] = fn.id === 'valley' ? [0, 0] : fn.grad(mx, my);
        expect(Math.hypot(gx, gy)).toBeLessThan(1e-9);
      }
    });
  }

  it('looks functions up by id', () => {
    expect(toyFunction('beale').name).toBe('Beale');
    expect(() => toyFunction('rosenbrock-4d')).toThrow(/Unknown toy function/);
  });
});

describe('runTrajectory', () => {
  it('records the start and every step, and Adam reaches the sphere minimum', () => {
    const opt = new Optimizer(RULES.adam, toyParams(SPHERE), toyOptions(SPHERE, 'adam'));
    const t = runTrajectory(SPHERE, opt, 200);
    expect(t.steps).toBe(200);
    expect(t.points.length).toBe(2 * 201);
    expect([t.points[0], t.points[1]]).toEqual([Math.fround(SPHERE.start[0]), Math.fround(SPHERE.start[1])]);
    expect(t.values[200]).toBeLessThan(1e-3);
  });

  it('stops when a run diverges', () => {
    const opt = new Optimizer(RULES.sgd, toyParams(SPHERE), { lr: 5 }); // |1 − 2·lr| = 9: diverges
    const t = runTrajectory(SPHERE, opt, 500);
    expect(t.steps).toBeLessThan(500);
    expect(t.points.every(Number.isFinite)).toBe(true);
  });
});

describe('SVG plots', () => {
  it('niceTicks gives round steps covering the range', () => {
    expect(niceTicks(0, 10, 5)).toEqual([0, 2, 4, 6, 8, 10]);
    expect(niceTicks(-4.5, 4.5, 8)).toEqual([-4, -2, 0, 2, 4]);
    expect(niceTicks(1, 40, 8)).toEqual([5, 10, 15, 20, 25, 30, 35, 40]);
  });

  it('contour levels rise and stay inside the sampled range', () => {
    const z = Float64Array.from({ length: 100 }, (_, i) => i * i);
    for (const log of [false, true]) {
      const levels = contourLevels(z, 10, log);
      expect(levels).toHaveLength(10);
      for (let k = 1; k < levels.length; k++) expect(levels[k]).toBeGreaterThan(levels[k - 1]);
      expect(levels[0]).toBeGreaterThan(0);
      expect(levels[9]).toBeLessThan(99 * 99);
    }
  });

  it('draws a contour plot with one path per trajectory and no NaN', () => {
    const svg = contourPlot(SPHERE, [
      { label: 'a', color: '#000', points: [-3, 2, -1, 1, 0, 0] },
      { label: 'b <&>', color: '#f00', points: [-3, 2, 1, 1] },
    ], { grid: 40 });
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg.trim().endsWith('</svg>')).toBe(true);
    expect(svg.match(/<polyline /g)).toHaveLength(2);
    expect(svg).toContain('b &lt;&amp;&gt;');
    expect(svg).not.toMatch(/NaN|undefined|Infinity/);
  });

  it('draws a log-scale line chart', () => {
    const svg = lineChart([{ label: 'loss', color: '#00f', values: [1, 0.5, 0.1, 0.05, 0.01] }], { title: 't', xLabel: 'x', yLabel: 'y', logY: true });
    expect(svg).toContain('<polyline');
    expect(svg).not.toMatch(/NaN|undefined|Infinity/);
  });
});
