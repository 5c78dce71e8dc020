using Sprout.Kernels;

namespace Sprout;

// Layer normalization as one op over rows of the trailing normalized axes (the loops in Kernels/LayerNormRows), with
// its closed-form backward; LayerNorm blocks use it, so a Transformer does not pay for a composition of seven ops.
public sealed partial class Tensor
{
    /// <summary>
    /// y = (x − μ)/√(σ² + ε)·γ + β over the trailing axes that <paramref name="gamma"/>'s shape covers (μ, biased σ² per
    /// row of those axes); γ and β have the normalized shape.
    /// </summary>
    public static Tensor LayerNorm(Tensor x, Tensor gamma, Tensor beta, float epsilon)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(gamma);
        ArgumentNullException.ThrowIfNull(beta);
        int n = gamma.Length;
        if (gamma.Shape != beta.Shape || x.Rank < gamma.Rank || x.Shape.Product(x.Rank - gamma.Rank, x.Rank) != n ||
            !x.Shape.ToArray()[(x.Rank - gamma.Rank)..].SequenceEqual(gamma.Shape.ToArray()))
            throw new ArgumentException($"LayerNorm: the input {x.Shape} must end with the normalized shape of gamma {gamma.Shape} and beta {beta.Shape}.");
        var y = EmptyForOverwrite(x.Shape, x.IsMeta || gamma.IsMeta || beta.IsMeta);
        if (y.IsMeta) return y;
        int rows = x.Length / n;
        var (mean, invStd) = (new float[rows], new float[rows]);
        var (xa, xo, ga, go, ba, bo, ya) = (x.Storage!, x._offset, gamma.Storage!, gamma._offset, beta.Storage!, beta._offset, y.Storage!);
        WorkerPool.ForRanges(rows, (long)x.Length * 4, (r0, r1) =>
            LayerNormRows.Forward(xa.AsSpan(xo + r0 * n, (r1 - r0) * n), n, ga.AsSpan(go, n), ba.AsSpan(bo, n), epsilon,
                ya.AsSpan(r0 * n, (r1 - r0) * n), mean.AsSpan(r0, r1 - r0), invStd.AsSpan(r0, r1 - r0)));
        if (Autograd.IsRecording && (x.RequiresGrad || gamma.RequiresGrad || beta.RequiresGrad))
            LayerNormBackward(y, x, gamma, beta, mean, invStd);
        return y;
    }

    private static void LayerNormBackward(Tensor y, Tensor x, Tensor gamma, Tensor beta, float[] mean, float[] invStd)
    {
        int n = gamma.Length, rows = x.Length / n;
        Tensor DInput(Tensor g)
        {
            var dx = Uninitialized(x.Shape);
            var (gs, go, xs, xo, gam, gamo, da) = (g.Storage!, g._offset, x.Storage!, x._offset, gamma.Storage!, gamma._offset, dx.Storage!);
            WorkerPool.ForRanges(rows, (long)x.Length * 6, (r0, r1) =>
                LayerNormRows.InputGradient(gs.AsSpan(go + r0 * n, (r1 - r0) * n), xs.AsSpan(xo + r0 * n, (r1 - r0) * n), n, gam.AsSpan(gamo, n),
                    mean.AsSpan(r0, r1 - r0), invStd.AsSpan(r0, r1 - r0), da.AsSpan(r0 * n, (r1 - r0) * n), new float[n]));
            return dx;
        }
        // γ and β come out of one pass over the rows; the pass runs once per upstream gradient, not once per parameter.
        (Tensor Upstream, Tensor Gamma, Tensor Beta)? last = null;
        (Tensor Gamma, Tensor Beta) Parameters(Tensor g)
        {
            if (last is { } done && ReferenceEquals(done.Upstream, g)) return (done.Gamma, done.Beta);
            var (dGamma, dBeta) = (new Tensor(gamma.Shape), new Tensor(beta.Shape));
            LayerNormRows.ParameterGradients(g.Span, x.Span, n, mean, invStd, dGamma.AsSpan(), dBeta.AsSpan(), new float[n]);
            last = (g, dGamma, dBeta);
            return (dGamma, dBeta);
        }
        y.Record("LayerNorm", [x, gamma, beta], [DInput, g => Parameters(g).Gamma, g => Parameters(g).Beta]);
    }
}
