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

    /// <summary>Fills mean, biased variance and 1/√(σ² + ε) per channel, and writes y = γ·x̂ + β.</summary>
    public static void Forward(Layout l, float[] x, int xo, float[] gamma, int gammaOffset, float[] beta, int betaOffset, float epsilon,
                               float[] y, float[] mean, float[] variance, float[] invStd)
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
                float scale = gamma[gammaOffset + ch] * invStd[ch], shift = beta[betaOffset + ch] - mu * scale;
                for (int i = 0; i < l.N; i++)   // y = γ·(x − μ)/σ + β in one pass
                    Affine(x.AsSpan(xo + l.Plane(i, ch), l.S), scale, shift, y.AsSpan(l.Plane(i, ch), l.S));
            }
        });
    }

    /// <summary>Per channel: dβ = Σ g and dγ = Σ g·x̂.</summary>
    public static void ParameterGradients(Layout l, float[] g, int go, float[] x, int xo, float[] mean, float[] invStd, float[] dGamma, float[] dBeta)
    {
        WorkerPool.ForRanges(l.C, l.Work, (c0, c1) =>
        {
            for (int ch = c0; ch < c1; ch++)
            {
                double g1 = 0, gx = 0;
                for (int i = 0; i < l.N; i++)
                {
                    var gPlane = g.AsSpan(go + l.Plane(i, ch), l.S);
                    g1 += ShortSpans.Sum(gPlane);
                    gx += ShortSpans.Dot(gPlane, x.AsSpan(xo + l.Plane(i, ch), l.S));
                }
                dBeta[ch] = (float)g1;
                dGamma[ch] = (float)((gx - mean[ch] * g1) * invStd[ch]);
            }
        });
    }

    /// <summary>dx from g, x, γ and the parameter gradients of <see cref="ParameterGradients"/>.</summary>
    public static void InputGradient(Layout l, float[] g, int go, float[] x, int xo, float[] gamma, int gammaOffset,
                                     float[] mean, float[] invStd, float[] dGamma, float[] dBeta, float[] dx)
    {
        int m = l.PerChannel;
        WorkerPool.ForRanges(l.C, l.Work, (c0, c1) =>
        {
            for (int ch = c0; ch < c1; ch++)
            {
                // dx = k·(g − dβ/M − x̂·dγ/M) with k = γ·invStd, x̂ = (x − μ)·invStd: dx = k·g − a·x + b.
                float k = gamma[gammaOffset + ch] * invStd[ch], shift = dBeta[ch] / m, slope = dGamma[ch] / m * invStd[ch];
                float a = k * slope, b = k * (slope * mean[ch] - shift);
                for (int i = 0; i < l.N; i++)
                {
                    int o = l.Plane(i, ch);
                    var d = dx.AsSpan(o, l.S);
                    AffineOfTwo(g.AsSpan(go + o, l.S), k, x.AsSpan(xo + o, l.S), -a, b, d);
                }
            }
        });
    }

    /// <summary>d = a·x + c·z + b, in one pass.</summary>
    private static void AffineOfTwo(ReadOnlySpan<float> x, float a, ReadOnlySpan<float> z, float c, float b, Span<float> d)
    {
        int i = 0;
        if (Vector.IsHardwareAccelerated && x.Length >= Vector<float>.Count)
        {
            var vx = MemoryMarshal.Cast<float, Vector<float>>(x);
            var vz = MemoryMarshal.Cast<float, Vector<float>>(z);
            var vd = MemoryMarshal.Cast<float, Vector<float>>(d);
            Vector<float> va = new(a), vc = new(c), vb = new(b);
            for (int v = 0; v < vx.Length; v++) vd[v] = Vector.FusedMultiplyAdd(vz[v], vc, Vector.FusedMultiplyAdd(vx[v], va, vb));
            i = vx.Length * Vector<float>.Count;
        }
        for (; i < x.Length; i++) d[i] = MathF.FusedMultiplyAdd(z[i], c, MathF.FusedMultiplyAdd(x[i], a, b));
    }

    /// <summary>d = a·x + b.</summary>
    private static void Affine(ReadOnlySpan<float> x, float a, float b, Span<float> d)
    {
        int i = 0;
        if (Vector.IsHardwareAccelerated && x.Length >= Vector<float>.Count)
        {
            var vx = MemoryMarshal.Cast<float, Vector<float>>(x);
            var vd = MemoryMarshal.Cast<float, Vector<float>>(d);
            Vector<float> va = new(a), vb = new(b);
            for (int v = 0; v < vx.Length; v++) vd[v] = Vector.FusedMultiplyAdd(vx[v], va, vb);
            i = vx.Length * Vector<float>.Count;
        }
        for (; i < x.Length; i++) d[i] = MathF.FusedMultiplyAdd(x[i], a, b);
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
