using Sprout.Kernels;

namespace Sprout;

// Comparisons (0/1 results with NumPy broadcasting, no gradient), element-wise maximum and minimum (with gradient,
// ties shared equally as PyTorch does), minimum reductions, and orderings (top-k, arg-sort).
public sealed partial class Tensor
{
    /// <summary>1 where this == <paramref name="other"/> (broadcasting), else 0.</summary>
    public Tensor Eq(Tensor other) => Binary<CompareOp<EqualTo>>(this, other, "Eq");
    /// <summary>1 where this != <paramref name="other"/>, else 0.</summary>
    public Tensor Ne(Tensor other) => Binary<CompareOp<NotEqualTo>>(this, other, "Ne");
    /// <summary>1 where this &lt; <paramref name="other"/>, else 0.</summary>
    public Tensor Lt(Tensor other) => Binary<CompareOp<LessThan>>(this, other, "Lt");
    /// <summary>1 where this ≤ <paramref name="other"/>, else 0.</summary>
    public Tensor Le(Tensor other) => Binary<CompareOp<LessOrEqual>>(this, other, "Le");
    /// <summary>1 where this &gt; <paramref name="other"/>, else 0.</summary>
    public Tensor Gt(Tensor other) => Binary<CompareOp<GreaterThan>>(this, other, "Gt");
    /// <summary>1 where this ≥ <paramref name="other"/>, else 0.</summary>
    public Tensor Ge(Tensor other) => Binary<CompareOp<GreaterOrEqual>>(this, other, "Ge");

    /// <summary>1 where this == <paramref name="value"/>, else 0.</summary>
    public Tensor Eq(float value) => Eq(Scalar(value));
    /// <summary>1 where this != <paramref name="value"/>, else 0.</summary>
    public Tensor Ne(float value) => Ne(Scalar(value));
    /// <summary>1 where this &lt; <paramref name="value"/>, else 0.</summary>
    public Tensor Lt(float value) => Lt(Scalar(value));
    /// <summary>1 where this ≤ <paramref name="value"/>, else 0.</summary>
    public Tensor Le(float value) => Le(Scalar(value));
    /// <summary>1 where this &gt; <paramref name="value"/>, else 0.</summary>
    public Tensor Gt(float value) => Gt(Scalar(value));
    /// <summary>1 where this ≥ <paramref name="value"/>, else 0.</summary>
    public Tensor Ge(float value) => Ge(Scalar(value));

    // The ordering operators, as NumPy and PyTorch write them (x > 0.5 is a 0/1 mask). == and != keep their C# meaning
    // (the same tensor object): use Eq and Ne for element-wise equality.

    /// <summary>1 where <paramref name="a"/> &lt; <paramref name="b"/> (broadcasting), else 0: <see cref="Lt(Tensor)"/>.</summary>
    public static Tensor operator <(Tensor a, Tensor b) => a.Lt(b);
    /// <summary>1 where <paramref name="a"/> &gt; <paramref name="b"/> (broadcasting), else 0: <see cref="Gt(Tensor)"/>.</summary>
    public static Tensor operator >(Tensor a, Tensor b) => a.Gt(b);
    /// <summary>1 where <paramref name="a"/> ≤ <paramref name="b"/> (broadcasting), else 0: <see cref="Le(Tensor)"/>.</summary>
    public static Tensor operator <=(Tensor a, Tensor b) => a.Le(b);
    /// <summary>1 where <paramref name="a"/> ≥ <paramref name="b"/> (broadcasting), else 0: <see cref="Ge(Tensor)"/>.</summary>
    public static Tensor operator >=(Tensor a, Tensor b) => a.Ge(b);
    /// <summary>1 where <paramref name="a"/> &lt; <paramref name="value"/>, else 0.</summary>
    public static Tensor operator <(Tensor a, float value) => a.Lt(value);
    /// <summary>1 where <paramref name="a"/> &gt; <paramref name="value"/>, else 0.</summary>
    public static Tensor operator >(Tensor a, float value) => a.Gt(value);
    /// <summary>1 where <paramref name="a"/> ≤ <paramref name="value"/>, else 0.</summary>
    public static Tensor operator <=(Tensor a, float value) => a.Le(value);
    /// <summary>1 where <paramref name="a"/> ≥ <paramref name="value"/>, else 0.</summary>
    public static Tensor operator >=(Tensor a, float value) => a.Ge(value);
    /// <summary>1 where <paramref name="value"/> &lt; <paramref name="a"/>, else 0.</summary>
    public static Tensor operator <(float value, Tensor a) => a.Gt(value);
    /// <summary>1 where <paramref name="value"/> &gt; <paramref name="a"/>, else 0.</summary>
    public static Tensor operator >(float value, Tensor a) => a.Lt(value);
    /// <summary>1 where <paramref name="value"/> ≤ <paramref name="a"/>, else 0.</summary>
    public static Tensor operator <=(float value, Tensor a) => a.Ge(value);
    /// <summary>1 where <paramref name="value"/> ≥ <paramref name="a"/>, else 0.</summary>
    public static Tensor operator >=(float value, Tensor a) => a.Le(value);

    /// <summary>Element-wise max(a, b) with broadcasting; the gradient goes to the larger, split equally on ties.</summary>
    public static Tensor Maximum(Tensor a, Tensor b)
    {
        var y = Binary<MaximumOp>(a, b, "Maximum");
        if (Wants(a, b)) ExtremumBackward(y, a, b, "Maximum");
        return y;
    }

    /// <summary>Element-wise min(a, b) with broadcasting; the gradient goes to the smaller, split equally on ties.</summary>
    public static Tensor Minimum(Tensor a, Tensor b)
    {
        var y = Binary<MinimumOp>(a, b, "Minimum");
        if (Wants(a, b)) ExtremumBackward(y, a, b, "Minimum");
        return y;
    }

    // y took a where a == y (b where b == y); on a tie both did, and each gets half.
    private static void ExtremumBackward(Tensor y, Tensor a, Tensor b, string op)
    {
        Tensor Share(Tensor g, Tensor self, Tensor other)
        {
            var took = Binary<EqualMaskOp>(self, y, op);
            var tie = took * Binary<EqualMaskOp>(other, y, op);
            return (g * (took - tie * 0.5f)).SumTo(self.Shape);
        }
        y.Record(op, a, g => Share(g, a, b), b, g => Share(g, b, a));
    }

    /// <summary>The smallest element, as a scalar tensor (gradient to the minimum, shared on ties).</summary>
    public Tensor Min() => -(-this).Max();

    /// <summary>The minimum over <paramref name="axis"/>.</summary>
    public Tensor Min(int axis, bool keepDims = false) => -(-this).Max(axis, keepDims);

    /// <summary>The index of the smallest element along <paramref name="axis"/> (first on ties), as floats.</summary>
    public Tensor ArgMin(int axis = -1, bool keepDims = false)
    {
        using (Autograd.Pause()) return (-this).ArgMax(axis, keepDims);
    }

    /// <summary>
    /// The <paramref name="k"/> largest (or smallest) elements along <paramref name="axis"/>, sorted, with their
    /// indices (as floats); the values carry the gradient back to the positions they came from.
    /// </summary>
    public (Tensor Values, Tensor Indices) TopK(int k, int axis = -1, bool largest = true)
    {
        int a = Shape.NormalizeAxis(axis);
        if (k < 1 || k > Shape[a])
            throw new ArgumentOutOfRangeException(nameof(k), k, $"TopK: k must be in 1..{Shape[a]} (the size of axis {axis} of shape {Shape}); got {k}.");
        var order = ArgSort(a, descending: largest);
        var indices = order.Narrow(a, 0, k);
        return (Gather(a, indices), indices);
    }

    /// <summary>
    /// Each line along <paramref name="axis"/> sorted (stable: equal values keep their order), with the indices the values
    /// came from, as floats (PyTorch's <c>torch.sort</c>); the values carry the gradient back to their positions.
    /// </summary>
    public (Tensor Values, Tensor Indices) Sort(int axis = -1, bool descending = false)
    {
        var order = ArgSort(axis, descending);
        return (Gather(axis, order), order);
    }

    /// <summary>The indices that sort each line along <paramref name="axis"/> (stable), as floats; no gradient.</summary>
    public Tensor ArgSort(int axis = -1, bool descending = false)
    {
        int a = Shape.NormalizeAxis(axis);
        var y = Empty(Shape, IsMeta);
        if (IsMeta) return y;
        int n = Shape[a], inner = Shape.Product(a + 1, Rank), outer = Shape.Product(0, a);
        var src = Span; var dst = y.AsSpan();
        var keys = new float[n]; var idx = new int[n];
        for (int o = 0; o < outer; o++)
            for (int i = 0; i < inner; i++)
            {
                int baseOffset = o * n * inner + i;
                for (int j = 0; j < n; j++) { keys[j] = src[baseOffset + j * inner]; idx[j] = j; }
                SortLine(keys, idx, descending);
                for (int j = 0; j < n; j++) dst[baseOffset + j * inner] = idx[j];
            }
        return y;
    }

    /// <summary>A stable sort of positions by key (NaN last), ascending or descending.</summary>
    private static void SortLine(float[] keys, int[] idx, bool descending)
    {
        int Compare(int p, int q)
        {
            float x = keys[p], y = keys[q];
            int c = float.IsNaN(x) ? (float.IsNaN(y) ? 0 : 1) : float.IsNaN(y) ? -1 : descending ? y.CompareTo(x) : x.CompareTo(y);
            return c != 0 ? c : p.CompareTo(q);
        }
        Array.Sort(idx, Compare);
    }
}
