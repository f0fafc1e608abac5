import mpmath
src = open('gencoef.py').read()
exec(src.split("D = 18")[0]); exec("def cheb2mono" + src.split("def cheb2mono")[1].split("monos = []")[0])
mpmath.mp.prec = 150
K = mpmath.mpf(2.5)
g_s = lambda s: (lambda z: z*mpmath.exp(z*z)*mpmath.erfc(z))(K*(1+s)/(1-s))
f0 = lambda w: mpmath.erf(mpmath.sqrt(w))/mpmath.sqrt(w) if w > 0 else 2/mpmath.sqrt(mpmath.pi)
slo, shi = (1-K)/(1+K), (mpmath.mpf(10.75)-K)/(mpmath.mpf(10.75)+K)
for d in [18, 20, 22]:
    c = cheb(g_s, slo, shi, d); print("g_s", d, [mpmath.nstr(abs(x),2) for x in c[-2:]])
DG, D0 = 22, 14
out = [f"#define DG {DG}", f"#define D0 {D0}"]
for name, f, lo, hi, d in [("Q0", f0, 0, 1, D0), ("QG", g_s, slo, shi, DG)]:
    m = cheb2mono(cheb(f, lo, hi, d))
    # fold mapping u = (2v - (lo+hi))/(hi-lo) into evaluation at C level; keep u-polynomial
    print(name, "sum|a|/|a0|", mpmath.nstr(sum(abs(x) for x in m)/abs(m[0]), 3))
    out.append(f"static const double {name}[] = {{" + ", ".join(repr(float(x)) for x in m) + "};")
    out.append(f"static const double {name}_A = {float(2/(hi-lo))!r}, {name}_B = {float(-(lo+hi)/(hi-lo))!r};")
out.append(f"static const double GK = {float(K*mpmath.sqrt(2))!r};  /* K*sqrt2 */")
open("gelu3_coef.h", "w").write("\n".join(out) + "\n")
