using System.Runtime.CompilerServices;
namespace Sprout.Kernels;

/// <summary>
/// The loop driver for broadcasting binary ops. Dimensions are aligned on the right, adjacent dimensions that
/// broadcast alike are merged, and the innermost run is handed to the op as one span∘span, span∘scalar or
/// scalar∘span call.
/// </summary>
internal static class Broadcast
{
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Run<TOp>(ReadOnlySpan<float> a, ReadOnlySpan<int> aShape, ReadOnlySpan<float> b, ReadOnlySpan<int> bShape,
                                Span<float> output, ReadOnlySpan<int> outShape)
        where TOp : IBinaryOp
    {
        if (aShape.SequenceEqual(bShape)) { TOp.Invoke(a, b, output); return; }
        if (b.Length == 1) { TOp.Invoke(a, b[0], output); return; }
        if (a.Length == 1) { TOp.Invoke(a[0], b, output); return; }

        var (dims, sa, sb) = Coalesce(aShape, bShape, outShape);
        int rank = dims.Length, inner = dims[rank - 1];
        int innerA = sa[rank - 1], innerB = sb[rank - 1];
        int outer = output.Length / inner;
        Span<int> index = stackalloc int[rank];
        int offA = 0, offB = 0;
        for (int o = 0; o < outer; o++)
        {
            var dst = output.Slice(o * inner, inner);
            // After merging, the innermost run cannot broadcast in both operands (the output would have size 1 there).
            if (innerA != 0 && innerB != 0) TOp.Invoke(a.Slice(offA, inner), b.Slice(offB, inner), dst);
            else if (innerA != 0) TOp.Invoke(a.Slice(offA, inner), b[offB], dst);
            else TOp.Invoke(a[offA], b.Slice(offB, inner), dst);
            // Advance the odometer over the outer dimensions.
            for (int d = rank - 2; d >= 0; d--)
            {
                index[d]++;
                offA += sa[d]; offB += sb[d];
                if (index[d] < dims[d]) break;
                offA -= sa[d] * dims[d]; offB -= sb[d] * dims[d];
                index[d] = 0;
            }
        }
    }

    /// <summary>
    /// Aligns both shapes to the output's rank, gives each an element stride per dimension (0 where it
    /// broadcasts), and merges neighbouring dimensions that are contiguous in both.
    /// </summary>
    internal static (int[] Dims, int[] StridesA, int[] StridesB) Coalesce(ReadOnlySpan<int> aShape, ReadOnlySpan<int> bShape, ReadOnlySpan<int> outShape)
    {
        int rank = outShape.Length;
        var sa = AlignedStrides(aShape, outShape);
        var sb = AlignedStrides(bShape, outShape);
        var dims = new List<int>(rank);
        var ra = new List<int>(rank);
        var rb = new List<int>(rank);
        for (int d = 0; d < rank; d++)
        {
            int n = outShape[d];
            if (n == 1) continue;
            if (dims.Count > 0 && ra[^1] == sa[d] * n && rb[^1] == sb[d] * n)
            {
                dims[^1] *= n;
                ra[^1] = sa[d];
                rb[^1] = sb[d];
                continue;
            }
            dims.Add(n); ra.Add(sa[d]); rb.Add(sb[d]);
        }
        if (dims.Count == 0) { dims.Add(1); ra.Add(0); rb.Add(0); }
        return (dims.ToArray(), ra.ToArray(), rb.ToArray());
    }

    /// <summary>Row-major strides of <paramref name="shape"/> aligned on the right of <paramref name="outShape"/>; 0 where it broadcasts.</summary>
    internal static int[] AlignedStrides(ReadOnlySpan<int> shape, ReadOnlySpan<int> outShape)
    {
        int rank = outShape.Length, lead = rank - shape.Length;
        var strides = new int[rank];
        int stride = 1;
        for (int d = rank - 1; d >= lead; d--)
        {
            int n = shape[d - lead];
            strides[d] = n == 1 ? 0 : stride;
            stride *= n;
        }
        return strides;
    }
}
