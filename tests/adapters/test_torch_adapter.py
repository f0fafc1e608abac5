"""nonlin.torch: gradcheck/gradgradcheck for the whole catalog and every learnable
parameter, the module (state_dict, repr, lazy units, slc, inplace), rrelu, dtypes,
and torch.compile(fullgraph=True) (a subset; all of it with NONLIN_SLOW=1)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import numpy as np
import pytest

torch = pytest.importorskip("torch")

import nonlin as nl  # noqa: E402
import nonlin.torch as nt  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from _shared import LEARNABLE_SPECS  # noqa: E402
from conftest import CATALOG  # noqa: E402
from torch.autograd import gradcheck, gradgradcheck  # noqa: E402


def _input(act: nl.Activation, shape=(3, 4), seed=0) -> torch.Tensor:
    """float64 points away from the declared kinks (and from maxout's crossings)."""
    rng = np.random.default_rng(seed)
    x = rng.uniform(-3.0, 3.0, size=shape)
    kinks = np.asarray(act.kinks, dtype=float)
    for _ in range(20):
        if kinks.size == 0:
            break
        near = np.abs(x[..., None] - kinks).min(axis=-1) < 1e-2
        if not near.any():
            break
        x[near] += 0.05
    return torch.tensor(x, dtype=torch.float64, requires_grad=True)


@pytest.mark.parametrize("act", CATALOG, ids=str)
def test_gradcheck_and_gradgradcheck_every_catalog_entry(act):
    x = _input(act)

    def f(t):
        return nt.apply(act, t)

    assert gradcheck(f, (x,), eps=1e-6, atol=1e-7)
    assert gradgradcheck(f, (x,), eps=1e-6, atol=1e-6)


@pytest.mark.parametrize("spec", LEARNABLE_SPECS)
def test_gradcheck_learnable_parameters(spec):
    torch.manual_seed(0)
    module = nt.Activation(spec, units=4).double()
    act = module._stages[0][0]
    x = _input(act, shape=(4, 4))
    names = [name for name, _ in module.named_parameters()]
    params = [p.detach().clone().requires_grad_(True) for p in module.parameters()]

    def f(t, *ps):
        return nt.apply(act, t, dict(zip(act.param_names, ps)))

    assert names == list(act.param_names)
    assert gradcheck(f, (x, *params), eps=1e-6, atol=1e-7)
    assert gradgradcheck(f, (x, *params), eps=1e-6, atol=1e-6)


@pytest.mark.parametrize("spec", ["relu", "leaky_relu", "elu(alpha=2.0)", "hard_tanh", "prelu"])
def test_derivatives_at_kinks_are_nonlins(spec):
    act = nl.get(spec)
    x = torch.tensor(list(act.kinks), dtype=torch.float64, requires_grad=True)
    (g,) = torch.autograd.grad(nt.apply(act, x).sum(), x, create_graph=True)
    np.testing.assert_array_equal(g.detach().numpy(), act.grad(x.detach().numpy()))
    (g2,) = torch.autograd.grad(g.sum(), x)
    np.testing.assert_array_equal(g2.numpy(), act.grad2(x.detach().numpy()))


def test_where_trap_gives_finite_gradients():
    x = torch.tensor([-1e3, -40.0, 0.0, 40.0, 1e3], dtype=torch.float64, requires_grad=True)
    for spec in ("elu", "softplus", "gelu", "silu", "mish", "swish_learnable", "snake"):
        (g,) = torch.autograd.grad(nt.apply(spec, x).sum(), x, create_graph=True)
        (g2,) = torch.autograd.grad(g.sum(), x)
        assert torch.isfinite(g).all() and torch.isfinite(g2).all(), spec


def test_module_state_dict_round_trip_and_repr():
    torch.manual_seed(1)
    a = nt.Activation("tanh+prelu(axis=-1)+maxout:3", units=5)
    assert "tanh+prelu(axis=-1)+maxout(pieces=3)" in repr(a)
    keys = set(a.state_dict())
    assert keys == {"slope_1", "slope_2", "intercept_2"}
    b = nt.Activation("tanh+prelu(axis=-1)+maxout:3", units=5)
    b.load_state_dict(a.state_dict())
    x = torch.randn(2, 5)
    torch.testing.assert_close(a(x), b(x))
    assert isinstance(a.slope_1, torch.nn.Parameter) and a.slope_1.shape == (5,)


def test_lazy_units_and_seeding():
    torch.manual_seed(3)
    a = nt.Activation("lgrelu(axis=1)")
    y = a(torch.randn(2, 6, 3))
    assert y.shape == (2, 6, 3) and a.gain.shape == (6,) and a.leak.shape == (6,)
    torch.manual_seed(3)
    b = nt.Activation("lgrelu(axis=1)")
    b(torch.randn(2, 6, 3))
    torch.testing.assert_close(a.gain, b.gain)


def test_parameters_learn():
    torch.manual_seed(0)
    module = nt.Activation("prelu(axis=-1)", units=3)
    x = -torch.rand(8, 3)
    loss = (module(x) - 2 * x).pow(2).mean()
    loss.backward()
    assert module.slope.grad is not None and (module.slope.grad < 0).all()


def test_slc_applies_to_a_flat_range_only():
    x = torch.linspace(-2, 2, 12, dtype=torch.float64).reshape(3, 4).requires_grad_(True)
    y = nt.Activation("relu", slc=slice(2, 9))(x)
    flat, ref = y.reshape(-1), x.detach().reshape(-1).clone()
    ref[2:9] = torch.relu(ref[2:9])
    torch.testing.assert_close(flat, ref)
    (g,) = torch.autograd.grad(y.sum(), x)
    assert g.reshape(-1)[0] == 1 and g.reshape(-1)[2] == 0


@pytest.mark.parametrize("spec", ["relu", "leaky_relu", "relu6", "hard_tanh", "hard_sigmoid"])
def test_inplace_matches_out_of_place(spec):
    base = torch.linspace(-7, 7, 29, dtype=torch.float64)
    x1 = base.clone().requires_grad_(True)
    x2 = base.clone().requires_grad_(True)
    y1 = nt.Activation(spec)(x1)
    y2 = nt.Activation(spec, inplace=True)(x2.clone())
    torch.testing.assert_close(y1, y2)
    (g1,) = torch.autograd.grad(y1.sum(), x1)
    (g2,) = torch.autograd.grad(y2.sum(), x2)
    torch.testing.assert_close(g1, g2)
    t = base.clone()
    out = nt.Activation(spec, inplace=True)(t)
    assert out.data_ptr() == t.data_ptr()


@pytest.mark.parametrize("spec", ["gelu", "elu", "sigmoid", "prelu", "tanh+relu"])
def test_inplace_misuse_is_a_clear_error(spec):
    with pytest.raises(ValueError, match="inplace=True is not offered"):
        nt.Activation(spec, inplace=True)
    assert not nt.supports_inplace(spec)


def test_saves_at_most_one_input_sized_tensor():
    for spec in ("gelu", "tanh+elu", "prelu(axis=-1)", "pau"):
        module = nt.Activation(spec, units=6)
        x = torch.randn(5, 6, requires_grad=True)
        saved = []

        def pack(t, saved=saved):
            saved.append(t)
            return t

        with torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
            module(x)
        big = [t for t in saved if t.numel() >= x.numel()]
        assert len(big) <= 1, (spec, [tuple(t.shape) for t in saved])


def test_rrelu_training_is_random_and_seedable_eval_is_the_mean():
    x = -torch.rand(1000, dtype=torch.float64)
    m = nt.Activation("rrelu", generator=torch.Generator().manual_seed(5))
    y = m(x)
    slopes = (y / x).numpy()
    assert slopes.min() >= 0.125 and slopes.max() <= 1 / 3 and slopes.std() > 0.05
    m2 = nt.Activation("rrelu", generator=torch.Generator().manual_seed(5))
    torch.testing.assert_close(m2(x), y)
    m.eval()
    torch.testing.assert_close(m(x), x * (0.125 + 1 / 3) / 2)
    xr = x[:5].clone().requires_grad_(True)
    m.train()
    out = m(xr)
    (g,) = torch.autograd.grad(out.sum(), xr)
    torch.testing.assert_close(g, (out / xr).detach())


def test_dtypes_are_kept():
    for dtype in (torch.float16, torch.bfloat16, torch.float32):
        x = torch.randn(4, dtype=dtype, requires_grad=True)
        y = nt.apply("gelu", x)
        assert y.dtype == dtype
        y.sum().backward()
        assert x.grad.dtype == dtype


COMPILE_SUBSET = ["gelu", "tanh", "relu+elu", "prelu(axis=-1)", "maxout:3", "pau", "rrelu"]


def _compile_specs() -> list[str]:
    if os.environ.get("NONLIN_SLOW"):
        return [str(act) for act in CATALOG] + LEARNABLE_SPECS
    return COMPILE_SUBSET


@pytest.mark.parametrize("spec", _compile_specs())
def test_compiles_without_graph_breaks_and_matches_eager(spec):
    torch._dynamo.reset()
    torch.manual_seed(0)
    module = nt.Activation(spec, units=5).eval()
    x = torch.randn(3, 5, requires_grad=True)
    compiled = torch.compile(module, fullgraph=True, backend="aot_eager")
    y_eager, y_compiled = module(x), compiled(x)
    torch.testing.assert_close(y_compiled, y_eager)
    (g_eager,) = torch.autograd.grad(y_eager.sum(), x)
    (g_compiled,) = torch.autograd.grad(y_compiled.sum(), x)
    torch.testing.assert_close(g_compiled, g_eager)
