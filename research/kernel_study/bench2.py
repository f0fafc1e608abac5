import os, sys, time, numpy as np
import torch, jax, jax.numpy as jnp, torch.nn.functional as F
import nonlin as nl, ckpy
torch.set_num_threads(2)
R = int(os.environ.get("R", "15"))
def run(impls, n):
    for f in impls.values(): f(); f()
    ts = {k: [] for k in impls}
    for _ in range(R):                       # interleaved rounds: noise hits all impls alike
        for k, f in impls.items():
            t0 = time.perf_counter(); f(); ts[k].append(time.perf_counter() - t0)
    return {k: (np.median(v) / n * 1e9, np.min(v) / n * 1e9) for k, v in ts.items()}
tfun = dict(sigmoid=torch.sigmoid, silu=F.silu, softplus=F.softplus, tanh=torch.tanh, mish=F.mish, gelu3=F.gelu)
jfun = dict(sigmoid=jax.nn.sigmoid, silu=jax.nn.silu, softplus=jax.nn.softplus, tanh=jnp.tanh, mish=jax.nn.mish, gelu3=lambda v: jax.nn.gelu(v, approximate=False))
sizes = [int(float(s)) for s in sys.argv[2].split(",")] if len(sys.argv) > 2 else [10**6, 10**7]
names = sys.argv[1].split(",")
rng = np.random.default_rng(0)
cols = ['ck2', 'ck1', 'torch', 'jax', 'nl']
print("ns/elem  median (min) | ratios from medians [from mins]")
for n in sizes:
    x = rng.uniform(-10, 10, n).astype(np.float32); xt = torch.from_numpy(x); xj = jnp.asarray(x)
    for name in names:
        if name == 'sigmoid_d':
            f = jax.nn.sigmoid; jd = jax.jit(lambda v: (f(v), jax.vmap(jax.grad(f))(v), jax.vmap(jax.grad(jax.grad(f)))(v)))
            def tsig(v):
                s = torch.sigmoid(v); d = s * (1 - s); return s, d, d * (1 - 2 * s)
            impls = dict(ck2=lambda: ckpy.sigmoid_d2(x), ck1=lambda: ckpy.sigmoid_d2(x, nthreads=1),
                         torch=lambda: tsig(xt), jax=lambda: jax.block_until_ready(jd(xj)), nl=lambda: nl.sigmoid.derivatives(x))
        else:
            ck = getattr(ckpy, name); jf = jax.jit(jfun[name]); tf = tfun[name]; nf = nl.get(name.rstrip('0123456789'))
            impls = dict(ck2=lambda: ck(x), ck1=lambda: ck(x, nthreads=1), torch=lambda: tf(xt),
                         jax=lambda: jf(xj).block_until_ready(), nl=lambda: nf(x))
        r = run(impls, n)
        s = " ".join(f"{k}={r[k][0]:.2f}({r[k][1]:.2f})" for k in cols)
        rat = lambda a, b: f"{r[a][0]/r[b][0]:.2f}[{r[a][1]/r[b][1]:.2f}]"
        print(f"{name:9s} n={n:.0e} {s} | ck2/torch={rat('ck2','torch')} ck2/jax={rat('ck2','jax')} nl/ck2={rat('nl','ck2')}", flush=True)
