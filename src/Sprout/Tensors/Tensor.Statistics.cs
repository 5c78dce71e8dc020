using System.Numerics.Tensors;

namespace Sprout;

// Variance, standard deviation, log-sum-exp, norms and cumulative sums. Variance, deviation and log-sum-exp are
// compositions of differentiable ops, so their backward comes with them; the norms' root and the cumulative sum have
// rules of their own.
public sealed partial class Tensor
{
    /// <summary>The variance over <paramref name="axis"/>, unbiased (divided by n − 1) unless told otherwise.</summary>
    public Tensor Var(int axis, bool keepDims = false, bool unbiased = true)
    {
        int a = Shape.NormalizeAxis(axis), n = Shape[a];
        if (unbiased && n < 2) throw new ArgumentException($"Var: an unbiased variance needs at least 2 values along axis {axis} of {Shape}; pass unbiased: false.", nameof(axis));
        var centered = this - Mean(a, keepDims: true);
        return (centered * centered).Sum(a, keepDims) * (1f / (unbiased ? n - 1 : n));
    }

    /// <summary>The variance of all elements, unbiased unless told otherwise.</summary>
    public Tensor Var(bool unbiased = true) => Reshape(-1).Var(0, keepDims: false, unbiased);

    /// <summary>The standard deviation over <paramref name="axis"/>.</summary>
    public Tensor Std(int axis, bool keepDims = false, bool unbiased = true) => Var(axis, keepDims, unbiased).Sqrt();

    /// <summary>The standard deviation of all elements.</summary>
    public Tensor Std(bool unbiased = true) => Var(unbiased).Sqrt();

    /// <summary>log Σ exp(x) over <paramref name="axis"/>, computed stably (the maximum is subtracted first).</summary>
    public Tensor LogSumExp(int axis, bool keepDims = false)
    {
        int a = Shape.NormalizeAxis(axis);
        var max = Max(a, keepDims: true).Detach();
        max = max.MaskedFill(max.Abs().Eq(float.PositiveInfinity), 0f);   // as PyTorch: a row of −∞ gives −∞ (not NaN), one with +∞ gives +∞
        var result = (this - max).Exp().Sum(a, keepDims: true).Log() + max;
        return keepDims ? result : result.Squeeze(a);
    }

    /// <summary>The L2 norm of all elements; its gradient is 0 where the norm is 0 (PyTorch's subgradient).</summary>
    public Tensor Norm() => RootOfSquares((this * this).Sum());

    /// <summary>The L2 norm along <paramref name="axis"/>; its gradient is 0 where the norm is 0.</summary>
    public Tensor Norm(int axis, bool keepDims = false) => RootOfSquares((this * this).Sum(axis, keepDims));

    /// <summary>√ of a sum of squares, whose backward gives 0 where the root is 0 instead of 0·∞ = NaN through the squares.</summary>
    private static Tensor RootOfSquares(Tensor squares)
    {
        var y = Unary(squares, static (x, d) => TensorPrimitives.Sqrt(x, d));
        if (Wants(squares)) y.Record("Norm", squares, g => Where(y.Gt(0f), g * 0.5f / y, Scalar(0f)));
        return y;
    }

    /// <summary>Running sums along <paramref name="axis"/>: y[i] = Σ_{j ≤ i} x[j]. Backward: running sums of g from the end.</summary>
    public Tensor CumSum(int axis)
    {
        int a = Shape.NormalizeAxis(axis);
        var y = Empty(Shape, IsMeta);
        if (IsMeta) return y;
        RunningSum(Span, y.AsSpan(), Shape, a, reverse: false);
        if (Wants(this)) y.Record("CumSum", this, g =>
        {
            var dx = Uninitialized(Shape);
            RunningSum(g.Span, dx.AsSpan(), Shape, a, reverse: true);
            return dx;
        });
        return y;
    }

    private static void RunningSum(ReadOnlySpan<float> src, Span<float> dst, Shape shape, int axis, bool reverse)
    {
        int outer = shape.Product(0, axis), n = shape[axis], inner = shape.Product(axis + 1, shape.Rank);
        for (int o = 0; o < outer; o++)
            for (int i = 0; i < inner; i++)
            {
                float sum = 0;
                for (int step = 0; step < n; step++)
                {
                    int j = reverse ? n - 1 - step : step, at = (o * n + j) * inner + i;
                    sum += src[at];
                    dst[at] = sum;
                }
            }
    }
}
