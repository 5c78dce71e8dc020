using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.InteropServices;
using Sprout.Kernels;

namespace Sprout;

// Batch normalization in training mode as one op over (N, C, S…): per channel c, with M = N·S values,
// μ = mean, σ² = biased variance, x̂ = (x − μ)/√(σ² + ε), y = γ·x̂ + β. Backward (the standard closed form):
// dβ = Σ g, dγ = Σ g·x̂, dx = γ/(M·√(σ² + ε)) · (M·g − dβ − x̂·dγ).
public sealed partial class Tensor
{
    /// <summary>Normalizes with the batch's own statistics; returns y and the per-channel mean and biased variance.</summary>
    internal static (Tensor Y, float[] Mean, float[] Variance) BatchNormTraining(Tensor x, Tensor gamma, Tensor beta, float epsilon)
    {
        int n = x.Shape[0], c = x.Shape[1], s = x.Shape.Product(2, x.Rank), m = n * s;
        var y = Uninitialized(x.Shape);
        var mean = new float[c];
        var variance = new float[c];
        var invStd = new float[c];
        var xa = x.Storage!; var ya = y.Storage!; int xo = x._offset;
        var gs = gamma.Storage!; var bs = beta.Storage!; int go = gamma._offset, bo = beta._offset;
        WorkerPool.ForRanges(c, 2L * c * n * s, (c0, c1) =>
        {
            for (int ch = c0; ch < c1; ch++)
            {
                double sum = 0;
                for (int i = 0; i < n; i++) sum += TensorPrimitives.Sum(xa.AsSpan(xo + (i * c + ch) * s, s));
                float mu = (float)(sum / m);
                double squares = 0;
                for (int i = 0; i < n; i++) squares += SquaredDeviations(xa.AsSpan(xo + (i * c + ch) * s, s), mu);
                mean[ch] = mu;
                variance[ch] = (float)(squares / m);
                invStd[ch] = 1f / MathF.Sqrt(variance[ch] + epsilon);
                float scale = gs[go + ch] * invStd[ch], shift = bs[bo + ch] - mu * scale;
                for (int i = 0; i < n; i++)   // y = γ·(x − μ)/σ + β in one pass
                    Affine(xa.AsSpan(xo + (i * c + ch) * s, s), scale, shift, ya.AsSpan((i * c + ch) * s, s));
            }
        });
        if (Autograd.IsRecording && (x.RequiresGrad || gamma.RequiresGrad || beta.RequiresGrad))
            BatchNormBackward(y, x, gamma, beta, mean, invStd);
        return (y, mean, variance);
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

    private static void BatchNormBackward(Tensor y, Tensor x, Tensor gamma, Tensor beta, float[] mean, float[] invStd)
    {
        int n = x.Shape[0], c = x.Shape[1], s = x.Shape.Product(2, x.Rank), m = n * s;
        float[]? dGamma = null, dBeta = null;
        void Sums(Tensor g)
        {
            if (dGamma is not null) return;
            var sumG = new float[c];
            var sumGx = new float[c];
            var xa = x.Storage!; var ga = g.Storage!; int xo = x._offset, go = g._offset;
            WorkerPool.ForRanges(c, 2L * c * n * s, (c0, c1) =>
            {
                for (int ch = c0; ch < c1; ch++)
                {
                    double g1 = 0, gx = 0;
                    for (int i = 0; i < n; i++)
                    {
                        var gPlane = ga.AsSpan(go + (i * c + ch) * s, s);
                        g1 += TensorPrimitives.Sum(gPlane);
                        gx += TensorPrimitives.Dot(gPlane, xa.AsSpan(xo + (i * c + ch) * s, s));
                    }
                    sumG[ch] = (float)g1;
                    sumGx[ch] = (float)((gx - mean[ch] * g1) * invStd[ch]);   // Σ g·x̂
                }
            });
            (dGamma, dBeta) = (sumGx, sumG);
        }
        Tensor DInput(Tensor g)
        {
            Sums(g);
            var dx = Uninitialized(x.Shape);
            var xa = x.Storage!; var ga = g.Storage!; var da = dx.Storage!; int xo = x._offset, go = g._offset;
            var gam = gamma.Storage!; int gamOffset = gamma._offset;
            WorkerPool.ForRanges(c, 2L * c * n * s, (c0, c1) =>
            {
                for (int ch = c0; ch < c1; ch++)
                {
                    // dx = k·(g − dβ/M − x̂·dγ/M) with k = γ·invStd, x̂ = (x − μ)·invStd: dx = k·g − a·x + b.
                    float k = gam[gamOffset + ch] * invStd[ch], shift = dBeta![ch] / m, slope = dGamma![ch] / m * invStd[ch];
                    float a = k * slope, b = k * (slope * mean[ch] - shift);
                    for (int i = 0; i < n; i++)
                    {
                        int o = (i * c + ch) * s;
                        var d = da.AsSpan(o, s);
                        Affine(ga.AsSpan(go + o, s), k, b, d);
                        TensorPrimitives.MultiplyAdd(xa.AsSpan(xo + o, s), -a, d, d);
                    }
                }
            });
            return dx;
        }
        Tensor DGamma(Tensor g) { Sums(g); return FromArray(dGamma!, c); }
        Tensor DBeta(Tensor g) { Sums(g); return FromArray(dBeta!, c); }
        y.Record("BatchNorm", [x, gamma, beta], [DInput, DGamma, DBeta]);
    }
}
