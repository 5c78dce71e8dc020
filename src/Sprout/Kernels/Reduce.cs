using System.Runtime.CompilerServices;
using System.Numerics.Tensors;

namespace Sprout.Kernels;

/// <summary>
/// Reductions over one axis of a contiguous tensor viewed as (outer, n, inner): inner = 1 reduces contiguous runs
/// with one primitive each; otherwise whole inner rows are combined element-wise.
/// </summary>
internal static class Reduce
{
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Sum(ReadOnlySpan<float> src, int outer, int n, int inner, Span<float> dst)
    {
        for (int o = 0; o < outer; o++)
        {
            var block = src.Slice(o * n * inner, n * inner);
            if (inner == 1) { dst[o] = TensorPrimitives.Sum(block); continue; }
            var row = dst.Slice(o * inner, inner);
            block[..inner].CopyTo(row);
            for (int i = 1; i < n; i++) TensorPrimitives.Add(row, block.Slice(i * inner, inner), row);
        }
    }

    /// <summary>
    /// dst[c] = Σ over samples and positions of src (N, C, positions): a convolution's bias gradient, split over the
    /// threads by channel.
    /// </summary>
    public static void ChannelSums(float[] src, int offset, int n, int channels, int positions, float[] dst)
    {
        WorkerPool.ForRanges(channels, (long)n * channels * positions, (first, end) =>
        {
            for (int c = first; c < end; c++)
            {
                float total = 0f;
                for (int s = 0; s < n; s++)
                    total += ShortSpans.Sum(src.AsSpan(offset + (s * channels + c) * positions, positions));
                dst[c] = total;
            }
        });
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Max(ReadOnlySpan<float> src, int outer, int n, int inner, Span<float> dst)
    {
        for (int o = 0; o < outer; o++)
        {
            var block = src.Slice(o * n * inner, n * inner);
            if (inner == 1) { dst[o] = TensorPrimitives.Max(block); continue; }
            var row = dst.Slice(o * inner, inner);
            block[..inner].CopyTo(row);
            for (int i = 1; i < n; i++) TensorPrimitives.Max(row, block.Slice(i * inner, inner), row);
        }
    }

    /// <summary>The index of the first maximum along the axis, as a float.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void ArgMax(ReadOnlySpan<float> src, int outer, int n, int inner, Span<float> dst)
    {
        for (int o = 0; o < outer; o++)
        {
            var block = src.Slice(o * n * inner, n * inner);
            if (inner == 1) { dst[o] = TensorPrimitives.IndexOfMax(block); continue; }
            for (int j = 0; j < inner; j++)
            {
                int best = 0;
                for (int i = 1; i < n; i++) if (block[i * inner + j] > block[best * inner + j]) best = i;
                dst[o * inner + j] = best;
            }
        }
    }
}
