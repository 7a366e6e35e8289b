/*
 * Native reference for `npm run bench`: the same float32 update math as edgeoptim's kernels
 * (assembly/adam.ts's plain path, assembly/sgd.ts's momentum path), as plain loops that gcc
 * vectorizes. Built twice by bench/native.ts: -O3 -fno-math-errno with the x86-64 baseline (SSE2,
 * 128-bit, like wasm SIMD) and with -march=native (here AVX-512).
 *
 *   usage: steps <adam|sgd> <n> <trials> <target-ms>
 *   prints: {"seconds":[per-step seconds of each trial]}
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec + t.tv_nsec * 1e-9;
}

static float *vec(long n, unsigned seed) {
  float *a = aligned_alloc(64, ((n * sizeof(float) + 63) / 64) * 64);
  unsigned s = seed;
  for (long i = 0; i < n; i++) {
    s = s * 1664525u + 1013904223u;
    a[i] = ((float)s / 4294967296.0f - 0.5f) * 0.02f;
  }
  return a;
}

/* Adam, no weight decay (bias corrections folded into stepSize and epsHat, as in edgeoptim). */
static void adam(float *restrict p, const float *restrict g, float *restrict m, float *restrict v, long n,
                 float stepSize, float omb1, float b2, float omb2, float epsHat) {
  for (long i = 0; i < n; i++) {
    float gi = g[i];
    float mi = m[i] + omb1 * (gi - m[i]);
    float vi = b2 * v[i] + omb2 * gi * gi;
    m[i] = mi;
    v[i] = vi;
    p[i] = p[i] - stepSize * (mi / (sqrtf(vi) + epsHat));
  }
}

/* SGD with heavy-ball momentum (torch: b = mu b + (1 - dampening) g; p -= lr b). */
static void sgd(float *restrict p, const float *restrict g, float *restrict b, long n, float lr, float mu, float scale) {
  for (long i = 0; i < n; i++) {
    float bi = mu * b[i] + scale * g[i];
    b[i] = bi;
    p[i] = p[i] - lr * bi;
  }
}

int main(int argc, char **argv) {
  if (argc < 5) {
    fprintf(stderr, "usage: %s <adam|sgd> <n> <trials> <target-ms>\n", argv[0]);
    return 2;
  }
  const int isAdam = strcmp(argv[1], "adam") == 0;
  const long n = atol(argv[2]);
  const int trials = atoi(argv[3]);
  const double target = atof(argv[4]) / 1000.0;
  float *p = vec(n, 1), *g = vec(n, 2), *s1 = vec(n, 3), *s2 = vec(n, 4);
  for (long i = 0; i < n; i++) s2[i] = s2[i] * s2[i];
  int t = 0;
#define STEP()                                                                                             \
  do {                                                                                                     \
    t++;                                                                                                   \
    float bc1 = 1.0f - powf(0.9f, (float)(t % 1000 + 1)), bc2 = sqrtf(1.0f - powf(0.999f, (float)(t % 1000 + 1))); \
    if (isAdam) adam(p, g, s1, s2, n, 1e-3f * bc2 / bc1, 0.1f, 0.999f, 0.001f, 1e-8f * bc2);              \
    else sgd(p, g, s1, n, 1e-3f, 0.9f, 1.0f);                                                              \
  } while (0)
  for (int i = 0; i < 3; i++) STEP();
  double t0 = now();
  STEP();
  double once = now() - t0;
  long reps = once > 0 ? (long)(target / once + 0.5) : 1;
  if (reps < 1) reps = 1;
  double *secs = malloc(sizeof(double) * trials);
  for (int k = 0; k < trials; k++) {
    double start = now();
    for (long r = 0; r < reps; r++) STEP();
    secs[k] = (now() - start) / reps;
  }
  printf("{\"seconds\":[");
  for (int k = 0; k < trials; k++) printf("%s%.9g", k ? "," : "", secs[k]);
  /* A checksum keeps the loops from being optimized away. */
  double sum = 0;
  for (long i = 0; i < n; i += 4099) sum += p[i];
  printf("],\"checksum\":%.6g}\n", sum);
  return 0;
}
