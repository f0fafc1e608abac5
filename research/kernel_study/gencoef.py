import mpmath
mpmath.mp.prec = 120
def cheb(f, lo, hi, deg):
    N = deg + 1; lo = mpmath.mpf(lo); hi = mpmath.mpf(hi)
    u = [mpmath.cos(mpmath.pi*(k+mpmath.mpf(1)/2)/N) for k in range(N)]
    fv = [f(lo + (uk+1)/2*(hi-lo)) for uk in u]
    c = [2*mpmath.fsum(fv[k]*mpmath.cos(j*mpmath.pi*(k+mpmath.mpf(1)/2)/N) for k in range(N))/N for j in range(N)]
    c[0] /= 2
    return c
D = 18
g_t = lambda t: (1/t)*mpmath.exp(1/t**2)*mpmath.erfc(1/t)      # g as function of t=1/z
f0 = lambda w: mpmath.erf(mpmath.sqrt(w))/mpmath.sqrt(w) if w > 0 else 2/mpmath.sqrt(mpmath.pi)
pieces = [("P0", f0, 0, 1), ("P1", g_t, mpmath.mpf(1)/2, 1), ("P2", g_t, mpmath.mpf(1)/4, mpmath.mpf(1)/2), ("P3", g_t, 1/mpmath.mpf(10.75), mpmath.mpf(1)/4)]
out = [f"#define GD {D}"]
for name, f, lo, hi in pieces:
    c = cheb(f, lo, hi, D)
    print(name, "tail |c|:", [mpmath.nstr(abs(x), 3) for x in c[-4:]])
    out.append(f"static const double {name}[GD+1] = {{" + ", ".join(repr(float(x)) for x in c) + "};")
    out.append(f"static const double {name}_LO = {float(lo)!r}, {name}_HI = {float(hi)!r};")
open("gelu_coef.h", "w").write("\n".join(out) + "\n")
# monomial (in u) coefficients, exact conversion in mpmath, table layout [j][piece]
def cheb2mono(c):
    n = len(c); T = [[mpmath.mpf(1)], [mpmath.mpf(0), mpmath.mpf(1)]]
    for k in range(2, n):
        a = [mpmath.mpf(0)] + [2*x for x in T[k-1]]
        b = T[k-2] + [mpmath.mpf(0)]*(len(a)-len(T[k-2]))
        T.append([p - q for p, q in zip(a, b)])
    m = [mpmath.mpf(0)]*n
    for k in range(n):
        for i, x in enumerate(T[k]): m[i] += c[k]*x
    return m
monos = []
for name, f, lo, hi in pieces:
    m = cheb2mono(cheb(f, lo, hi, D)); monos.append(m)
    print(name, "max |mono coef|", mpmath.nstr(max(abs(x) for x in m), 3), "sum|a|/|p(0)|", mpmath.nstr(sum(abs(x) for x in m)/abs(m[0]), 3))
rows = ["{" + ", ".join(repr(float(monos[p][j])) for p in range(4)) + "}" for j in range(D+1)]
open("gelu_coef.h", "a").write("static const double MT[GD+1][4] = {\n" + ",\n".join(rows) + "};\n"
   + "static const double PLO[4] = {" + ", ".join(repr(float(p[2])) for p in pieces) + "};\n"
   + "static const double PHI[4] = {" + ", ".join(repr(float(p[3])) for p in pieces) + "};\n")
