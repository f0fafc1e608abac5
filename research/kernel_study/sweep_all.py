import numpy as np, nonlin as nl, ckpy, mpmath, time, sys
mpmath.mp.prec = 150
mpf = {'sigmoid': lambda v: 1/(1+mpmath.exp(-v)), 'silu': lambda v: v/(1+mpmath.exp(-v)),
 'softplus': lambda v: mpmath.log1p(mpmath.exp(v)), 'tanh': mpmath.tanh,
 'mish': lambda v: v*mpmath.tanh(mpmath.log1p(mpmath.exp(v))), 'gelu3': lambda v: v/2*mpmath.erfc(-v/mpmath.sqrt(2))}
print("exhaustive: all 2^32 float32 bit patterns; lib", ckpy._lib._name, flush=True)
def same(a, r):
    return (a.view(np.uint32) == r.view(np.uint32)) | (np.isnan(a) & np.isnan(r))
for name in sys.argv[1].split(","):
    t0 = time.time(); nbad = 0; ckw = 0; nlw = 0
    for start in range(0, 1 << 32, 1 << 25):
        x = np.arange(start, start + (1 << 25), dtype=np.uint64).astype(np.uint32).view(np.float32)
        if name == 'sigmoid_d':
            A = ckpy.sigmoid_d2(x); R = nl.sigmoid.derivatives(x)
            for k in range(3):
                bad = ~same(A[k], R[k]) & ~((A[k] == 0) & (R[k] == 0))   # ignore sign of zero
                nbad += bad.sum()
                if bad.any(): print("   d", k, x[bad][:3], A[k][bad][:3], R[k][bad][:3], flush=True)
            continue
        a = getattr(ckpy, name)(x); r = nl.get(name.rstrip("0123456789"))(x)
        bad = np.nonzero(~same(a, r))[0]; nbad += bad.size
        for i in bad[:20]:
            t = np.float32(float(mpf[name](mpmath.mpf(float(x[i])))))
            ckw += a[i] != t; nlw += r[i] != t
            print("   ", name, repr(x[i]), a[i], r[i], t, flush=True)
    print(f"{name}: mismatches {nbad} (arbitrated: ckernel wrong {ckw}, nonlin wrong {nlw})  {time.time()-t0:.0f}s", flush=True)
