using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Sprout.Kernels;

/// <summary>
/// One step's cell arithmetic for one batch row and one block of hidden units [u0, u0 + len) — the part of a step one
/// thread owns in a <see cref="Recurrence"/>. Gates follow PyTorch's order and layout: a row of input gates gx and of
/// b_hh is gates·H wide, gate g of unit u at g·H + u; the recurrent product s of the block is gate-major, gate g of
/// unit u0 + j at g·len + j. What a step keeps for the backward (<c>saved</c>, one row of <see cref="SavedWidth"/>·H):
/// LSTM [i | f | g | o | tanh c′] (activated), GRU [r | z | n | h_n] (h_n = the recurrent n part with its bias).
/// Each loop is one fused pass: 16 units at a time on AVX-512 (σ and tanh from <see cref="Sigmoid"/> and
/// <see cref="Tanh"/>), the rest — and everything on other CPUs — one unit at a time in the same order of operations.
/// Compiled fully optimized at once: at tier 0, vector code runs over ten times slower, and a training run's first
/// steps would wait for the tier-up.
/// </summary>
internal static class RecurrentUnits
{
    private static readonly int Lanes = Vector512.IsHardwareAccelerated ? Vector512<float>.Count : int.MaxValue;

    /// <summary>Gates per unit.</summary>
    public static int Gates(RecurrentCellKind kind) => kind switch { RecurrentCellKind.Lstm => 4, RecurrentCellKind.Gru => 3, _ => 1 };

    /// <summary>Floats a step keeps per row for the backward, in units of H.</summary>
    public static int SavedWidth(RecurrentCellKind kind) => kind switch { RecurrentCellKind.Lstm => 5, RecurrentCellKind.Gru => 4, _ => 0 };

    /// <summary>h′ = act(s + gx + b) for an Elman cell.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void RnnForward(bool relu, ReadOnlySpan<float> s, ReadOnlySpan<float> gx, ReadOnlySpan<float> b, int u0, Span<float> h)
    {
        int len = h.Length, j = 0;
        gx = gx.Slice(u0, len);
        b = b.Slice(u0, len);
        for (; j + Lanes <= len; j += Lanes)
        {
            var a = L(s, j) + L(gx, j) + L(b, j);
            St(relu ? Vector512.Max(a, Vector512<float>.Zero) : Tanh.Of(a), h, j);
        }
        for (; j < len; j++)
        {
            float a = s[j] + gx[j] + b[j];
            h[j] = relu ? MathF.Max(a, 0f) : MathF.Tanh(a);
        }
    }

    /// <summary>c′ = f ⊙ c + i ⊙ g, h′ = o ⊙ tanh(c′), with i, f, o = σ(·) and g = tanh(·) of s + gx + b.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void LstmForward(ReadOnlySpan<float> s, ReadOnlySpan<float> gx, ReadOnlySpan<float> b, int hidden, int u0,
        ReadOnlySpan<float> cPrev, Span<float> h, Span<float> c, Span<float> saved)
    {
        int len = h.Length, j = 0;
        PreActivation pi = Pre(s, gx, b, 0, hidden, u0, len), pf = Pre(s, gx, b, 1, hidden, u0, len),
            pg = Pre(s, gx, b, 2, hidden, u0, len), po = Pre(s, gx, b, 3, hidden, u0, len);
        Span<float> si = saved.Slice(u0, len), sf = saved.Slice(hidden + u0, len), sg = saved.Slice(2 * hidden + u0, len),
            so = saved.Slice(3 * hidden + u0, len), st = saved.Slice(4 * hidden + u0, len);
        for (; j + Lanes <= len; j += Lanes)
        {
            var i = Sigmoid.Of(pi.At(j)); var f = Sigmoid.Of(pf.At(j)); var g = Tanh.Of(pg.At(j)); var o = Sigmoid.Of(po.At(j));
            var cNext = Vector512.FusedMultiplyAdd(f, L(cPrev, j), i * g);
            var t = Tanh.Of(cNext);
            St(i, si, j); St(f, sf, j); St(g, sg, j); St(o, so, j); St(t, st, j);
            St(cNext, c, j); St(o * t, h, j);
        }
        for (; j < len; j++)
        {
            float i = Logistic(pi[j]), f = Logistic(pf[j]), g = MathF.Tanh(pg[j]), o = Logistic(po[j]);
            float cNext = MathF.FusedMultiplyAdd(f, cPrev[j], i * g), t = MathF.Tanh(cNext);
            (si[j], sf[j], sg[j], so[j], st[j], c[j], h[j]) = (i, f, g, o, t, cNext, o * t);
        }
    }

    /// <summary>r = σ(x_r + h_r), z = σ(x_z + h_z), n = tanh(x_n + r ⊙ h_n), h′ = n + z ⊙ (h − n); h_· = s_· + b_·.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void GruForward(ReadOnlySpan<float> s, ReadOnlySpan<float> gx, ReadOnlySpan<float> b, int hidden, int u0,
        ReadOnlySpan<float> hPrev, Span<float> h, Span<float> saved)
    {
        int len = h.Length, j = 0;
        PreActivation pr = Pre(s, gx, b, 0, hidden, u0, len), pz = Pre(s, gx, b, 1, hidden, u0, len);
        ReadOnlySpan<float> sn = s.Slice(2 * len, len), bn = b.Slice(2 * hidden + u0, len), xn = gx.Slice(2 * hidden + u0, len);
        Span<float> sr = saved.Slice(u0, len), sz = saved.Slice(hidden + u0, len), snn = saved.Slice(2 * hidden + u0, len), shn = saved.Slice(3 * hidden + u0, len);
        for (; j + Lanes <= len; j += Lanes)
        {
            var r = Sigmoid.Of(pr.At(j)); var z = Sigmoid.Of(pz.At(j));
            var hn = L(sn, j) + L(bn, j);
            var n = Tanh.Of(Vector512.FusedMultiplyAdd(r, hn, L(xn, j)));
            St(r, sr, j); St(z, sz, j); St(n, snn, j); St(hn, shn, j);
            St(Vector512.FusedMultiplyAdd(z, L(hPrev, j) - n, n), h, j);
        }
        for (; j < len; j++)
        {
            float r = Logistic(pr[j]), z = Logistic(pz[j]), hn = sn[j] + bn[j];
            float n = MathF.Tanh(MathF.FusedMultiplyAdd(r, hn, xn[j]));
            (sr[j], sz[j], snn[j], shn[j]) = (r, z, n, hn);
            h[j] = MathF.FusedMultiplyAdd(z, hPrev[j] - n, n);
        }
    }

    /// <summary>From dh = dy + carry: ∂a = dh ⊙ act′ (1 − h′² for tanh, [h′ &gt; 0] for ReLU), written to <paramref name="da"/> at u0.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void RnnBackward(bool relu, ReadOnlySpan<float> dy, ReadOnlySpan<float> carry, ReadOnlySpan<float> h, int u0, Span<float> da)
    {
        int len = h.Length, j = 0;
        da = da.Slice(u0, len);
        for (; j + Lanes <= len; j += Lanes)
        {
            Vector512<float> dh = L(dy, j) + L(carry, j), y = L(h, j);
            St(relu ? Vector512.ConditionalSelect(Vector512.GreaterThan(y, Vector512<float>.Zero), dh, Vector512<float>.Zero)
                : dh * (Vector512<float>.One - y * y), da, j);
        }
        for (; j < len; j++)
        {
            float dh = dy[j] + carry[j], y = h[j];
            da[j] = relu ? (y > 0 ? dh : 0f) : dh * (1 - y * y);
        }
    }

    /// <summary>
    /// From dh = dy_h + carryH and dc′ = dy_c + carryC + dh ⊙ o ⊙ (1 − tanh²c′): ∂a_i = dc′ g i(1 − i),
    /// ∂a_f = dc′ c f(1 − f), ∂a_g = dc′ i (1 − g²), ∂a_o = dh tanh(c′) o(1 − o) into <paramref name="da"/> (gates·H);
    /// the cell carry becomes dc′ ⊙ f.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void LstmBackward(ReadOnlySpan<float> dyH, ReadOnlySpan<float> dyC, ReadOnlySpan<float> carryH, Span<float> carryC,
        ReadOnlySpan<float> saved, ReadOnlySpan<float> cPrev, int hidden, int u0, Span<float> da)
    {
        int len = carryC.Length, j = 0;
        ReadOnlySpan<float> si = saved.Slice(u0, len), sf = saved.Slice(hidden + u0, len), sg = saved.Slice(2 * hidden + u0, len),
            so = saved.Slice(3 * hidden + u0, len), st = saved.Slice(4 * hidden + u0, len);
        Span<float> di = da.Slice(u0, len), df = da.Slice(hidden + u0, len), dg = da.Slice(2 * hidden + u0, len), d0 = da.Slice(3 * hidden + u0, len);
        var one = Vector512<float>.One;
        for (; j + Lanes <= len; j += Lanes)
        {
            Vector512<float> i = L(si, j), f = L(sf, j), g = L(sg, j), o = L(so, j), t = L(st, j);
            var dh = L(dyH, j) + L(carryH, j);
            var dc = L(dyC, j) + L(carryC, j) + dh * o * (one - t * t);
            St(dc * g * i * (one - i), di, j);
            St(dc * L(cPrev, j) * f * (one - f), df, j);
            St(dc * i * (one - g * g), dg, j);
            St(dh * t * o * (one - o), d0, j);
            St(dc * f, carryC, j);
        }
        for (; j < len; j++)
        {
            float i = si[j], f = sf[j], g = sg[j], o = so[j], t = st[j];
            float dh = dyH[j] + carryH[j];
            float dc = dyC[j] + carryC[j] + dh * o * (1 - t * t);
            (di[j], df[j], dg[j], d0[j], carryC[j]) = (dc * g * i * (1 - i), dc * cPrev[j] * f * (1 - f), dc * i * (1 - g * g), dh * t * o * (1 - o), dc * f);
        }
    }

    /// <summary>
    /// From dh = dy + carry: ∂n = dh(1 − z)(1 − n²), ∂z = dh(h − n)z(1 − z), ∂r = ∂n h_n r(1 − r); gx gets (∂r, ∂z, ∂n),
    /// the recurrent part (∂r, ∂z, ∂n ⊙ r); the carry becomes dh ⊙ z (the direct path to h).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void GruBackward(ReadOnlySpan<float> dy, Span<float> carry, ReadOnlySpan<float> saved, ReadOnlySpan<float> hPrev,
        int hidden, int u0, Span<float> dgx, Span<float> dgh)
    {
        int len = carry.Length, j = 0;
        ReadOnlySpan<float> sr = saved.Slice(u0, len), sz = saved.Slice(hidden + u0, len), sn = saved.Slice(2 * hidden + u0, len), shn = saved.Slice(3 * hidden + u0, len);
        Span<float> xr = dgx.Slice(u0, len), xz = dgx.Slice(hidden + u0, len), xn = dgx.Slice(2 * hidden + u0, len);
        Span<float> hr = dgh.Slice(u0, len), hz = dgh.Slice(hidden + u0, len), hn = dgh.Slice(2 * hidden + u0, len);
        var one = Vector512<float>.One;
        for (; j + Lanes <= len; j += Lanes)
        {
            Vector512<float> r = L(sr, j), z = L(sz, j), n = L(sn, j);
            var dh = L(dy, j) + L(carry, j);
            var dn = dh * (one - z) * (one - n * n);
            var dz = dh * (L(hPrev, j) - n) * z * (one - z);
            var dr = dn * L(shn, j) * r * (one - r);
            St(dr, xr, j); St(dz, xz, j); St(dn, xn, j);
            St(dr, hr, j); St(dz, hz, j); St(dn * r, hn, j);
            St(dh * z, carry, j);
        }
        for (; j < len; j++)
        {
            float r = sr[j], z = sz[j], n = sn[j];
            float dh = dy[j] + carry[j];
            float dn = dh * (1 - z) * (1 - n * n);
            float dz = dh * (hPrev[j] - n) * z * (1 - z);
            float dr = dn * shn[j] * r * (1 - r);
            (xr[j], xz[j], xn[j], hr[j], hz[j], hn[j], carry[j]) = (dr, dz, dn, dr, dz, dn * r, dh * z);
        }
    }

    /// <summary>The pre-activation of gate <paramref name="gate"/>: the block's product plus the input part and the bias.</summary>
    private static PreActivation Pre(ReadOnlySpan<float> s, ReadOnlySpan<float> gx, ReadOnlySpan<float> b, int gate, int hidden, int u0, int len) =>
        new(s.Slice(gate * len, len), gx.Slice(gate * hidden + u0, len), b.Slice(gate * hidden + u0, len));

    private readonly ref struct PreActivation(ReadOnlySpan<float> s, ReadOnlySpan<float> x, ReadOnlySpan<float> b)
    {
        private readonly ReadOnlySpan<float> _s = s, _x = x, _b = b;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public Vector512<float> At(int j) => L(_s, j) + L(_x, j) + L(_b, j);

        public float this[int j] => _s[j] + _x[j] + _b[j];
    }

    private static float Logistic(float x) => 1f / (1f + MathF.Exp(-x));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> L(ReadOnlySpan<float> s, int j) => Vector512.LoadUnsafe(ref MemoryMarshal.GetReference(s), (nuint)j);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void St(Vector512<float> v, Span<float> s, int j) => v.StoreUnsafe(ref MemoryMarshal.GetReference(s), (nuint)j);
}
