import numpy as np, mpmath, time, ckpy, nonlin as nl
mpmath.mp.prec = 120
rng = np.random.default_rng(1)
def pts32():
    a = rng.uniform(-100, 100, 400_000)
    b = np.exp(rng.uniform(np.log(1e-40), np.log(100), 400_000)) * rng.choice([-1,1], 400_000)
    c = rng.integers(0, 2**32, 200_000, dtype=np.uint64).astype(np.uint32).view(np.float32)
    c = c[np.isfinite(c)]
    sp = np.array([0, -0.0, np.inf, -np.inf, np.nan, 3.4028235e38, -3.4028235e38, 1e-45, -1e-45, 88.7, -88.7, 104, -104, 9, -9, 17, -17], np.float32)
    return np.concatenate([a.astype(np.float32), b.astype(np.float32), c, sp])
x = pts32(); print("n points", x.size)
def ulp32(a, b):  # a,b float32 -> ulp distance via ordered ints
    ia = a.view(np.int32).astype(np.int64); ib = b.view(np.int32).astype(np.int64)
    ia = np.where(ia < 0, -(ia & 0x7fffffff), ia); ib = np.where(ib < 0, -(ib & 0x7fffffff), ib)
    return np.abs(ia - ib)
mpf = {
 'sigmoid': lambda v: 1/(1+mpmath.exp(-v)),
 'silu': lambda v: v/(1+mpmath.exp(-v)),
 'softplus': lambda v: mpmath.log1p(mpmath.exp(v)),
 'tanh': lambda v: mpmath.tanh(v),
 'mish': lambda v: v*mpmath.tanh(mpmath.log1p(mpmath.exp(v))),
}
def mp32(name, v):
    r = mpf[name](mpmath.mpf(float(v)))
    return np.float32(float(r))  # float(mpf)->double then f32: double rounding risk negligible; verify below w/ direct
for name in ['sigmoid','silu','softplus','tanh','mish']:
    ref = nl.get(name)(x)  # nonlin: correctly rounded float32 (claim)
    got = getattr(ckpy, name)(x)
    fin = ~(np.isnan(ref) & np.isnan(got))
    bad = np.nonzero(fin & (ref.view(np.int32) != got.view(np.int32)))[0]
    # arbitrate mismatches with mpmath
    ck_wrong = nl_wrong = 0; maxu = 0
    for i in bad[:2000]:
        if not np.isfinite(x[i]): print("  nonfinite mismatch", name, x[i], ref[i], got[i]); continue
        t = mp32(name, x[i])
        ck_wrong += got[i] != t; nl_wrong += ref[i] != t
        maxu = max(maxu, int(ulp32(np.array([got[i]]), np.array([t]))[0]))
    print(f"{name:9s} mismatches vs nonlin: {bad.size}  ckernel wrong (mpmath): {ck_wrong}  nonlin wrong: {nl_wrong}  max ulp {maxu}")
# float64 accuracy vs mpmath
def ulp64err(got, refmp):
    out = []
    for g, r in zip(got, refmp):
        if r == 0: out.append(0 if g == 0 else np.inf); continue
        u = mpmath.mpf(2) ** (mpmath.floor(mpmath.log(abs(r), 2)) - 52)
        if abs(r) < mpmath.mpf(2)**-1022: u = mpmath.mpf(2)**-1074
        out.append(float(abs(mpmath.mpf(float(g)) - r) / u))
    return np.array(out)
N = 100_000
xs = np.concatenate([rng.uniform(-745, 709.78, N//2), rng.uniform(-5, 5, N//4), rng.uniform(-1e-3,1e-3, N//4)])
t0 = time.time()
e_ck = ulp64err(ckpy.exp64(xs), [mpmath.exp(mpmath.mpf(float(v))) for v in xs])
e_np = ulp64err(np.exp(xs), [mpmath.exp(mpmath.mpf(float(v))) for v in xs])
print(f"exp f64 ({xs.size} pts vs mpmath): ckernel max {e_ck.max():.3f} ulp, mean {e_ck.mean():.3f}, frac>0.5ulp {np.mean(e_ck>0.5):.3f};  np.exp max {e_np.max():.3f}  ({time.time()-t0:.0f}s)")
xb = rng.uniform(-745, 709.78, 10_000_000)
d = np.abs(ckpy.exp64(xb).view(np.int64) - np.exp(xb).view(np.int64))
print("exp f64 vs np.exp 1e7 pts: max ulp diff", d.max(), "identical frac", np.mean(d==0))
N = 30_000
xs = np.concatenate([rng.uniform(-40, 40, N//2), np.exp(rng.uniform(-30, 3, N//2))*rng.choice([-1,1],N//2)])
for name, f, m in [('sigmoid64', ckpy.sigmoid64, lambda v: 1/(1+mpmath.exp(-v))),
                   ('softplus64', ckpy.softplus64, lambda v: mpmath.log1p(mpmath.exp(v))),
                   ('tanh64', ckpy.tanh64, mpmath.tanh)]:
    e = ulp64err(f(xs), [m(mpmath.mpf(float(v))) for v in xs])
    print(f"{name}: max {e.max():.3f} ulp  mean {e.mean():.3f}")
# derivatives
f0, f1, f2 = ckpy.sigmoid_d2(x); r0, r1, r2 = nl.sigmoid.derivatives(x)
for k, (a, b) in enumerate([(f0, r0), (f1, r1), (f2, r2)]):
    both_nan = np.isnan(a) & np.isnan(b)
    mm = ~both_nan & (a.view(np.int32) != b.view(np.int32))
    print(f"sigmoid d{k}: mismatches vs nonlin.derivatives {mm.sum()}, max ulp {ulp32(a[mm],b[mm]).max() if mm.any() else 0}", x[mm][:5], a[mm][:5], b[mm][:5])
