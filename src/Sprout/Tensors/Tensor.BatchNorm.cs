using System.Numerics.Tensors;

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
        var y = new Tensor(x.Shape);
        var mean = new float[c];
        var variance = new float[c];
        var invStd = new float[c];
        var xs = x.Span; var ys = y.AsSpan(); var gs = gamma.Span; var bs = beta.Span;
        for (int ch = 0; ch < c; ch++)
        {
            double sum = 0;
            for (int i = 0; i < n; i++) sum += TensorPrimitives.Sum(xs.Slice((i * c + ch) * s, s));
            float mu = (float)(sum / m);
            double squares = 0;
            for (int i = 0; i < n; i++)
            {
                var plane = xs.Slice((i * c + ch) * s, s);
                var outPlane = ys.Slice((i * c + ch) * s, s);
                TensorPrimitives.Subtract(plane, mu, outPlane);
                squares += TensorPrimitives.Dot(outPlane, outPlane);
            }
            mean[ch] = mu;
            variance[ch] = (float)(squares / m);
            invStd[ch] = 1f / MathF.Sqrt(variance[ch] + epsilon);
            float scale = gs[ch] * invStd[ch];
            for (int i = 0; i < n; i++)
            {
                var outPlane = ys.Slice((i * c + ch) * s, s);
                TensorPrimitives.Multiply(outPlane, scale, outPlane);
                TensorPrimitives.Add(outPlane, bs[ch], outPlane);
            }
        }
        if (Autograd.IsRecording && (x.RequiresGrad || gamma.RequiresGrad || beta.RequiresGrad))
            BatchNormBackward(y, x, gamma, beta, mean, invStd);
        return (y, mean, variance);
    }

    private static void BatchNormBackward(Tensor y, Tensor x, Tensor gamma, Tensor beta, float[] mean, float[] invStd)
    {
        int n = x.Shape[0], c = x.Shape[1], s = x.Shape.Product(2, x.Rank), m = n * s;
        float[]? dGamma = null, dBeta = null;
        void Sums(Tensor g)
        {
            if (dGamma is not null) return;
            dGamma = new float[c];
            dBeta = new float[c];
            var xs = x.Span; var gs = g.Span;
            for (int ch = 0; ch < c; ch++)
            {
                double sumG = 0, sumGx = 0;
                for (int i = 0; i < n; i++)
                {
                    var gPlane = gs.Slice((i * c + ch) * s, s);
                    sumG += TensorPrimitives.Sum(gPlane);
                    sumGx += TensorPrimitives.Dot(gPlane, xs.Slice((i * c + ch) * s, s));
                }
                dBeta[ch] = (float)sumG;
                dGamma[ch] = (float)((sumGx - mean[ch] * sumG) * invStd[ch]);   // Σ g·x̂
            }
        }
        Tensor DInput(Tensor g)
        {
            Sums(g);
            var dx = new Tensor(x.Shape);
            var xs = x.Span; var gs = g.Span; var ds = dx.AsSpan(); var gam = gamma.Span;
            for (int ch = 0; ch < c; ch++)
            {
                // dx = k·(g − dβ/M − x̂·dγ/M) with k = γ·invStd and x̂ = (x − μ)·invStd
                float k = gam[ch] * invStd[ch], shift = dBeta![ch] / m, slope = dGamma![ch] / m * invStd[ch];
                for (int i = 0; i < n; i++)
                {
                    int o = (i * c + ch) * s;
                    var d = ds.Slice(o, s);
                    TensorPrimitives.Subtract(xs.Slice(o, s), mean[ch], d);          // x − μ
                    TensorPrimitives.Multiply(d, -slope, d);                          // −x̂·dγ/M
                    TensorPrimitives.Add(d, gs.Slice(o, s), d);                       // + g
                    TensorPrimitives.Multiply(d, k, d);                               // k·(…
                    TensorPrimitives.Add(d, -k * shift, d);                           //      − dβ/M)
                }
            }
            return dx;
        }
        Tensor DGamma(Tensor g) { Sums(g); return FromArray(dGamma!, c); }
        Tensor DBeta(Tensor g) { Sums(g); return FromArray(dBeta!, c); }
        y.Record("BatchNorm", [x, gamma, beta], [DInput, DGamma, DBeta]);
    }
}
