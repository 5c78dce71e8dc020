using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.InteropServices;

namespace Sprout.Kernels;

/// <summary>
/// Batch normalization over (N, C, S) planes, channels split over the threads. Per channel, with M = N·S values:
/// μ = mean, σ² = biased variance, x̂ = (x − μ)/√(σ² + ε), y = γ·x̂ + β. Backward (the standard closed form):
/// dβ = Σ g, dγ = Σ g·x̂, dx = γ/(M·√(σ² + ε)) · (M·g − dβ − x̂·dγ). Arrays come with offsets (the threads share them).
/// </summary>
internal static class BatchNormPlanes
{
    /// <summary>The (N, C, S) layout of one batch.</summary>
    public readonly record struct Layout(int N, int C, int S)
    {
        public int PerChannel => N * S;
        public long Work => 2L * C * N * S;
        public int Plane(int sample, int channel) => (sample * C + channel) * S;
    }

    /// <summary>
    /// Fills mean, biased variance and 1/√(σ² + ε) per channel, and writes y = γ·x̂ + β — or, with
    /// <paramref name="relu"/>, max(γ·x̂ + β, 0) in the same pass (a BatchNorm followed by a ReLU, fused).
    /// </summary>
    public static void Forward(Layout l, float[] x, int xo, float[] gamma, int gammaOffset, float[] beta, int betaOffset, float epsilon,
                               float[] y, float[] mean, float[] variance, float[] invStd, bool relu = false)
    {
        WorkerPool.ForRanges(l.C, l.Work, (c0, c1) =>
        {
            for (int ch = c0; ch < c1; ch++)
            {
                double sum = 0;
                for (int i = 0; i < l.N; i++) sum += ShortSpans.Sum(x.AsSpan(xo + l.Plane(i, ch), l.S));
                float mu = (float)(sum / l.PerChannel);
                double squares = 0;
                for (int i = 0; i < l.N; i++) squares += SquaredDeviations(x.AsSpan(xo + l.Plane(i, ch), l.S), mu);
                mean[ch] = mu;
                variance[ch] = (float)(squares / l.PerChannel);
                invStd[ch] = 1f / MathF.Sqrt(variance[ch] + epsilon);
                var (scale, shift) = Affinity(gamma[gammaOffset + ch], beta[betaOffset + ch], mu, invStd[ch]);
                for (int i = 0; i < l.N; i++)   // y = γ·(x − μ)/σ + β in one pass
                {
                    var from = x.AsSpan(xo + l.Plane(i, ch), l.S);
                    var to = y.AsSpan(l.Plane(i, ch), l.S);
                    if (relu) Affine<Rectified>(from, scale, shift, to);
                    else Affine<AsIs>(from, scale, shift, to);
                }
            }
        });
    }

    /// <summary>
    /// γ·(x − μ)/σ + β as scale·x + shift. The forward and a fused ReLU's backward both take it from here, so that the
    /// backward's recomputed sign of y is the forward's.
    /// </summary>
    private static (float Scale, float Shift) Affinity(float gamma, float beta, float mu, float invStd)
    {
        float scale = gamma * invStd;
        return (scale, beta - mu * scale);
    }

    /// <summary>
    /// The backward pass, channel by channel: dβ = Σ g and dγ = Σ g·x̂, then (when <paramref name="dx"/> is given) dx
    /// while the channel's planes of g and x are still in cache — two sweeps over the whole batch, one for the sums and
    /// one for dx, read g and x from memory twice (ResNet-18's stem: 19 MB each). Given <paramref name="reluBeta"/> (the
    /// β of a forward that fused a ReLU), g is first masked by y &gt; 0, y recomputed from x, γ and β as the forward
    /// computed it: the ReLU's backward costs no pass of its own.
    /// </summary>
    public static void Backward(Layout l, float[] g, int go, float[] x, int xo, float[] gamma, int gammaOffset, float[] mean, float[] invStd,
        float[] dGamma, float[] dBeta, float[]? dx, float[]? reluBeta = null, int reluBetaOffset = 0)
    {
        bool masked = reluBeta is not null;
        WorkerPool.ForRanges(l.C, dx is null ? l.Work : 2 * l.Work, (c0, c1) =>
        {
            for (int ch = c0; ch < c1; ch++)
            {
                var (yScale, yShift) = masked ? Affinity(gamma[gammaOffset + ch], reluBeta![reluBetaOffset + ch], mean[ch], invStd[ch]) : default;
                ParameterGradients(l, ch, g, go, x, xo, mean[ch], invStd[ch], masked, yScale, yShift, out dGamma[ch], out dBeta[ch]);
                if (dx is not null)
                    InputGradient(l, ch, g, go, x, xo, gamma[gammaOffset + ch], mean[ch], invStd[ch], dGamma[ch], dBeta[ch], masked, yScale, yShift, dx);
            }
        });
    }

    /// <summary>Channel <paramref name="ch"/>'s dβ = Σ g and dγ = Σ g·x̂ (g masked by yScale·x + yShift &gt; 0 with <paramref name="masked"/>).</summary>
    private static void ParameterGradients(Layout l, int ch, float[] g, int go, float[] x, int xo, float mean, float invStd,
        bool masked, float yScale, float yShift, out float dGamma, out float dBeta)
    {
        double g1 = 0, gx = 0;
        for (int i = 0; i < l.N; i++)
        {
            var gPlane = g.AsSpan(go + l.Plane(i, ch), l.S);
            var xPlane = x.AsSpan(xo + l.Plane(i, ch), l.S);
            if (masked)
            {
                var (sum, dot) = MaskedSums(gPlane, xPlane, yScale, yShift);
                (g1, gx) = (g1 + sum, gx + dot);
                continue;
            }
            g1 += ShortSpans.Sum(gPlane);
            gx += ShortSpans.Dot(gPlane, xPlane);
        }
        dBeta = (float)g1;
        dGamma = (float)((gx - mean * g1) * invStd);
    }

    /// <summary>Channel <paramref name="ch"/>'s dx from g, x, γ and its parameter gradients (g masked as there).</summary>
    private static void InputGradient(Layout l, int ch, float[] g, int go, float[] x, int xo, float gamma, float mean, float invStd,
        float dGamma, float dBeta, bool masked, float yScale, float yShift, float[] dx)
    {
        int m = l.PerChannel;
        // dx = k·(g − dβ/M − x̂·dγ/M) with k = γ·invStd, x̂ = (x − μ)·invStd: dx = k·g − a·x + b.
        float k = gamma * invStd, shift = dBeta / m, slope = dGamma / m * invStd;
        float a = k * slope, b = k * (slope * mean - shift);
        for (int i = 0; i < l.N; i++)
        {
            int o = l.Plane(i, ch);
            var d = dx.AsSpan(o, l.S);
            if (masked) AffineOfTwo<ReluGate>(g.AsSpan(go + o, l.S), k, x.AsSpan(xo + o, l.S), -a, b, yScale, yShift, d);
            else AffineOfTwo<OpenGate>(g.AsSpan(go + o, l.S), k, x.AsSpan(xo + o, l.S), -a, b, yScale, yShift, d);
        }
    }

    /// <summary>(Σ g·[y &gt; 0], Σ g·[y &gt; 0]·x) with y = scale·x + shift (fused as the forward's).</summary>
    private static (double Sum, double Dot) MaskedSums(ReadOnlySpan<float> g, ReadOnlySpan<float> x, float scale, float shift)
    {
        int i = 0;
        float sum = 0, dot = 0;
        if (Vector.IsHardwareAccelerated && x.Length >= Vector<float>.Count)
        {
            var vg = MemoryMarshal.Cast<float, Vector<float>>(g);
            var vx = MemoryMarshal.Cast<float, Vector<float>>(x);
            Vector<float> va = new(scale), vb = new(shift), sums = default, dots = default;
            for (int v = 0; v < vx.Length; v++)
            {
                var kept = Kept(vg[v], vx[v], va, vb);
                sums += kept;
                dots = Vector.FusedMultiplyAdd(kept, vx[v], dots);
            }
            (sum, dot) = (Vector.Sum(sums), Vector.Sum(dots));
            i = vx.Length * Vector<float>.Count;
        }
        for (; i < x.Length; i++)
        {
            float kept = Kept(g[i], x[i], scale, shift);
            sum += kept;
            dot += kept * x[i];
        }
        return (sum, dot);
    }

    /// <summary>g where the fused forward's y = scale·x + shift (the same fused multiply–add) is positive, else 0.</summary>
    private static Vector<float> Kept(Vector<float> g, Vector<float> x, Vector<float> scale, Vector<float> shift) =>
        Vector.ConditionalSelect(Vector.GreaterThan(Vector.FusedMultiplyAdd(x, scale, shift), Vector<float>.Zero), g, Vector<float>.Zero);

    /// <summary>The scalar <see cref="Kept(Vector{float}, Vector{float}, Vector{float}, Vector{float})"/>.</summary>
    private static float Kept(float g, float x, float scale, float shift) => MathF.FusedMultiplyAdd(x, scale, shift) > 0 ? g : 0f;

    /// <summary>
    /// d = a·g′ + c·x + b in one pass, g′ being g through <typeparamref name="TGate"/>: all of it, or only where the fused
    /// forward's y = yScale·x + yShift was positive.
    /// </summary>
    private static void AffineOfTwo<TGate>(ReadOnlySpan<float> g, float a, ReadOnlySpan<float> x, float c, float b, float yScale, float yShift, Span<float> d)
        where TGate : IGradientGate
    {
        int i = 0;
        if (Vector.IsHardwareAccelerated && x.Length >= Vector<float>.Count)
        {
            var vg = MemoryMarshal.Cast<float, Vector<float>>(g);
            var vx = MemoryMarshal.Cast<float, Vector<float>>(x);
            var vd = MemoryMarshal.Cast<float, Vector<float>>(d);
            Vector<float> va = new(a), vc = new(c), vb = new(b), ys = new(yScale), yb = new(yShift);
            for (int v = 0; v < vx.Length; v++)
                vd[v] = Vector.FusedMultiplyAdd(vx[v], vc, Vector.FusedMultiplyAdd(TGate.Pass(vg[v], vx[v], ys, yb), va, vb));
            i = vx.Length * Vector<float>.Count;
        }
        for (; i < x.Length; i++) d[i] = MathF.FusedMultiplyAdd(x[i], c, MathF.FusedMultiplyAdd(TGate.Pass(g[i], x[i], yScale, yShift), a, b));
    }

    /// <summary>What of the upstream gradient g the backward passes on, given x and the forward's y = scale·x + shift.</summary>
    private interface IGradientGate
    {
        static abstract Vector<float> Pass(Vector<float> g, Vector<float> x, Vector<float> scale, Vector<float> shift);
        static abstract float Pass(float g, float x, float scale, float shift);
    }

    /// <summary>All of g: a batch norm alone.</summary>
    private readonly struct OpenGate : IGradientGate
    {
        public static Vector<float> Pass(Vector<float> g, Vector<float> x, Vector<float> scale, Vector<float> shift) => g;
        public static float Pass(float g, float x, float scale, float shift) => g;
    }

    /// <summary>g where the fused ReLU let y through (<see cref="Kept(Vector{float}, Vector{float}, Vector{float}, Vector{float})"/>).</summary>
    private readonly struct ReluGate : IGradientGate
    {
        public static Vector<float> Pass(Vector<float> g, Vector<float> x, Vector<float> scale, Vector<float> shift) => Kept(g, x, scale, shift);
        public static float Pass(float g, float x, float scale, float shift) => Kept(g, x, scale, shift);
    }

    /// <summary>d = a·x + b, passed through <typeparamref name="TOutput"/> (as is, or a fused ReLU).</summary>
    private static void Affine<TOutput>(ReadOnlySpan<float> x, float a, float b, Span<float> d) where TOutput : IAffineOutput
    {
        int i = 0;
        if (Vector.IsHardwareAccelerated && x.Length >= Vector<float>.Count)
        {
            var vx = MemoryMarshal.Cast<float, Vector<float>>(x);
            var vd = MemoryMarshal.Cast<float, Vector<float>>(d);
            Vector<float> va = new(a), vb = new(b);
            for (int v = 0; v < vx.Length; v++) vd[v] = TOutput.Apply(Vector.FusedMultiplyAdd(vx[v], va, vb));
            i = vx.Length * Vector<float>.Count;
        }
        for (; i < x.Length; i++) d[i] = TOutput.Apply(MathF.FusedMultiplyAdd(x[i], a, b));
    }

    /// <summary>What <see cref="Affine{TOutput}"/> writes of each a·x + b.</summary>
    private interface IAffineOutput
    {
        static abstract Vector<float> Apply(Vector<float> y);
        static abstract float Apply(float y);
    }

    private readonly struct AsIs : IAffineOutput
    {
        public static Vector<float> Apply(Vector<float> y) => y;
        public static float Apply(float y) => y;
    }

    private readonly struct Rectified : IAffineOutput
    {
        public static Vector<float> Apply(Vector<float> y) => Vector.Max(y, Vector<float>.Zero);
        public static float Apply(float y) => MathF.Max(y, 0f);
    }

    /// <summary>Σ (x − μ)², in one read of x.</summary>
    private static double SquaredDeviations(ReadOnlySpan<float> x, float mu)
    {
        int i = 0;
        float total = 0;
        if (Vector.IsHardwareAccelerated && x.Length >= Vector<float>.Count)
        {
            var vx = MemoryMarshal.Cast<float, Vector<float>>(x);
            var vmu = new Vector<float>(mu);
            var acc = Vector<float>.Zero;
            foreach (var v in vx) { var d = v - vmu; acc += d * d; }
            total = Vector.Sum(acc);
            i = vx.Length * Vector<float>.Count;
        }
        for (; i < x.Length; i++) total += (x[i] - mu) * (x[i] - mu);
        return total;
    }
}
