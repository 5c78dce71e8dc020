using System.Numerics.Tensors;

namespace Sprout.Kernels;

/// <summary>
/// Layer normalization of rows of n values: x̂ = (x − μ)/√(σ² + ε) with the row's mean and biased variance,
/// y = γ ⊙ x̂ + β. Backward (closed form): dx = (1/σ)(gγ − mean(gγ) − x̂·mean(gγ ⊙ x̂)) with gγ = g ⊙ γ;
/// dγ = Σ_rows g ⊙ x̂, dβ = Σ_rows g (summed row by row in order, so results do not depend on threads).
/// </summary>
internal static class LayerNormRows
{
    /// <summary>Normalizes each row of <paramref name="x"/>, keeping each row's mean and 1/σ.</summary>
    public static void Forward(ReadOnlySpan<float> x, int n, ReadOnlySpan<float> gamma, ReadOnlySpan<float> beta, float epsilon,
                               Span<float> y, Span<float> mean, Span<float> invStd)
    {
        for (int r = 0, row = 0; r < x.Length; r += n, row++)
        {
            var xs = x.Slice(r, n); var ys = y.Slice(r, n);
            float mu = TensorPrimitives.Sum(xs) / n;
            TensorPrimitives.Subtract(xs, mu, ys);
            float inv = 1f / MathF.Sqrt(TensorPrimitives.SumOfSquares(ys) / n + epsilon);
            (mean[row], invStd[row]) = (mu, inv);
            TensorPrimitives.Multiply(ys, inv, ys);
            TensorPrimitives.FusedMultiplyAdd(ys, gamma, beta, ys);
        }
    }

    /// <summary>dx for each row, from g, x, γ and the saved statistics; <paramref name="scratch"/> holds n floats.</summary>
    public static void InputGradient(ReadOnlySpan<float> g, ReadOnlySpan<float> x, int n, ReadOnlySpan<float> gamma,
                                     ReadOnlySpan<float> mean, ReadOnlySpan<float> invStd, Span<float> dx, Span<float> scratch)
    {
        var xhat = scratch[..n];
        for (int r = 0, row = 0; r < g.Length; r += n, row++)
        {
            var d = dx.Slice(r, n);
            TensorPrimitives.Subtract(x.Slice(r, n), mean[row], xhat);
            TensorPrimitives.Multiply(xhat, invStd[row], xhat);
            TensorPrimitives.Multiply(g.Slice(r, n), gamma, d);                 // gγ
            float meanG = TensorPrimitives.Sum(d) / n, meanGx = TensorPrimitives.Dot(d, xhat) / n;
            TensorPrimitives.Subtract(d, meanG, d);
            TensorPrimitives.MultiplyAdd(xhat, -meanGx, d, d);
            TensorPrimitives.Multiply(d, invStd[row], d);
        }
    }

    /// <summary>dγ = Σ_rows g ⊙ x̂ and dβ = Σ_rows g, row by row.</summary>
    public static void ParameterGradients(ReadOnlySpan<float> g, ReadOnlySpan<float> x, int n, ReadOnlySpan<float> mean, ReadOnlySpan<float> invStd,
                                          Span<float> dGamma, Span<float> dBeta, Span<float> scratch)
    {
        dGamma.Clear();
        dBeta.Clear();
        var xhat = scratch[..n];
        for (int r = 0, row = 0; r < g.Length; r += n, row++)
        {
            TensorPrimitives.Subtract(x.Slice(r, n), mean[row], xhat);
            TensorPrimitives.Multiply(xhat, invStd[row], xhat);
            TensorPrimitives.MultiplyAdd(g.Slice(r, n), xhat, dGamma, dGamma);
            TensorPrimitives.Add(g.Slice(r, n), dBeta, dBeta);
        }
    }
}
