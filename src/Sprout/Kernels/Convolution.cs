using System.Numerics.Tensors;

namespace Sprout.Kernels;

/// <summary>
/// 2-D convolution as GEMM over chunks of the batch: the samples are split into chunks whose im2col matrix
/// ((C·kh·kw) × (S·Ho·Wo), S samples) stays in cache, and the chunks run in parallel, each with its own buffers and a
/// single-threaded GEMM per group. Backward recomputes each chunk's columns instead of keeping a batch-sized copy,
/// accumulates the weight gradient per chunk (summed in a fixed order, so results do not depend on scheduling) and
/// folds the input gradient back with col2im.
/// </summary>
internal static class Convolution
{
    private const int ChunkBytes = 1 << 19;   // target size of one chunk's im2col matrix
    private const int MinColumns = 256;       // a chunk's GEMM needs this many columns to run near peak

    [ThreadStatic] private static float[]? t_cols, t_product;
    [ThreadStatic] private static float[][]? t_weightPartials;   // the calling thread's, one per part of a backward pass

    public sealed record Problem(int N, int C, int H, int W, int O, int Groups, ConvGeometry Geometry)
    {
        public int OutH => Geometry.OutH(H);
        public int OutW => Geometry.OutW(W);
        public int Pixels => OutH * OutW;
        public int KernelRows => C / Groups * Geometry.KernelH * Geometry.KernelW;   // per group
        public int OutPerGroup => O / Groups;
        /// <summary>
        /// Samples per chunk: enough for the im2col matrix to fill about <see cref="ChunkBytes"/>, but never fewer than
        /// make <see cref="MinColumns"/> GEMM columns — a late ResNet layer (512 channels at 3×3) has 4,608 rows per
        /// column, and cache-sized chunks of 27 columns made its GEMMs skinny and repacked its 9 MB of weights 11 times
        /// per pass (fwd+bwd 224 ms at batch 32). Chunks are then evened out over the batch.
        /// </summary>
        public int SamplesPerChunk
        {
            get
            {
                int byCache = ChunkBytes / Math.Max(1, C * Geometry.KernelH * Geometry.KernelW * Pixels * sizeof(float));
                int byColumns = (MinColumns + Pixels - 1) / Pixels;
                int target = Math.Clamp(Math.Max(byCache, byColumns), 1, N);
                int chunks = (N + target - 1) / target;
                return (N + chunks - 1) / chunks;
            }
        }

        public int Chunks => (N + SamplesPerChunk - 1) / SamplesPerChunk;
    }

    public static void Forward(Problem p, float[] x, int xOffset, float[] w, int wOffset, float[] y)
    {
        WorkerPool.For(p.Chunks, chunk =>
        {
            var (s0, count) = Range(p, chunk);
            int columns = count * p.Pixels;
            var cols = Buffer(ref t_cols, p.C * p.Geometry.KernelH * p.Geometry.KernelW * columns);
            var product = Buffer(ref t_product, p.O * columns);
            Im2Col.Unfold(x, xOffset + s0 * p.C * p.H * p.W, count, p.C, p.H, p.W, p.Geometry, cols);
            for (int g = 0; g < p.Groups; g++)
                Gemm.Multiply(false, false, p.OutPerGroup, columns, p.KernelRows, 1f, w, wOffset + g * p.OutPerGroup * p.KernelRows, p.KernelRows,
                    cols, g * p.KernelRows * columns, columns, 0f, product, g * p.OutPerGroup * columns, columns);
            // product is (O, S, pixels); y is (N, O, pixels).
            for (int o = 0; o < p.O; o++)
                for (int s = 0; s < count; s++)
                    product.AsSpan((o * count + s) * p.Pixels, p.Pixels).CopyTo(y.AsSpan(((s0 + s) * p.O + o) * p.Pixels, p.Pixels));
        });
    }

    /// <summary>
    /// Fills whichever of dx (N, C, H, W) and dw (O, C/g, kh, kw) is non-null, from dy (N, O, Ho, Wo). The chunks are
    /// split into one contiguous run per thread; each run accumulates its weight gradient in one reused buffer (a
    /// fresh array per chunk came from the large-object heap and stalled both threads in the garbage collector), and
    /// the runs' sums are added in a fixed order.
    /// </summary>
    public static void Backward(Problem p, float[] x, int xOffset, float[] w, int wOffset, float[] dy, int dyOffset, float[]? dx, float[]? dw)
    {
        int chunks = p.Chunks, wLength = p.O * p.KernelRows, parts = Math.Min(chunks, Threads.Count);
        var partial = dw is null ? null : WeightPartials(parts, wLength);
        WorkerPool.For(parts, part =>
        {
            for (int chunk = chunks * part / parts, end = chunks * (part + 1) / parts; chunk < end; chunk++)
                BackwardChunk(p, x, xOffset, w, wOffset, dy, dyOffset, dx, partial?[part], accumulate: chunk > chunks * part / parts, chunk);
        });
        if (dw is not null)
        {
            partial![0].AsSpan(0, wLength).CopyTo(dw);
            for (int part = 1; part < parts; part++) TensorPrimitives.Add(dw.AsSpan(0, wLength), partial[part].AsSpan(0, wLength), dw.AsSpan(0, wLength));
        }
    }

    /// <summary>One chunk of the backward pass: its part of dx, and its weight gradient written or added into <paramref name="dwPart"/>.</summary>
    private static void BackwardChunk(Problem p, float[] x, int xOffset, float[] w, int wOffset, float[] dy, int dyOffset, float[]? dx, float[]? dwPart, bool accumulate, int chunk)
    {
        var (s0, count) = Range(p, chunk);
        int columns = count * p.Pixels;
        var cols = Buffer(ref t_cols, p.C * p.Geometry.KernelH * p.Geometry.KernelW * columns);
        var gradient = Buffer(ref t_product, p.O * columns);
        for (int o = 0; o < p.O; o++)   // dY as (O, S·pixels)
            for (int s = 0; s < count; s++)
                dy.AsSpan(dyOffset + ((s0 + s) * p.O + o) * p.Pixels, p.Pixels).CopyTo(gradient.AsSpan((o * count + s) * p.Pixels, p.Pixels));
        if (dwPart is not null)
        {
            // dW_g (+)= dY_g · cols_gᵀ: the GEMM reads the im2col matrix transposed while it packs it (8×8 blocks in
            // registers), cheaper than unfolding the windows row by row (im2row writes scattered short runs).
            Im2Col.Unfold(x, xOffset + s0 * p.C * p.H * p.W, count, p.C, p.H, p.W, p.Geometry, cols);
            for (int g = 0; g < p.Groups; g++)
                Gemm.Multiply(false, true, p.OutPerGroup, p.KernelRows, columns, 1f, gradient, g * p.OutPerGroup * columns, columns,
                    cols, g * p.KernelRows * columns, columns, accumulate ? 1f : 0f, dwPart, g * p.OutPerGroup * p.KernelRows, p.KernelRows);
        }
        if (dx is not null)
        {
            for (int g = 0; g < p.Groups; g++)   // dcols_g = W_gᵀ · dY_g
                Gemm.Multiply(true, false, p.KernelRows, columns, p.OutPerGroup, 1f, w, wOffset + g * p.OutPerGroup * p.KernelRows, p.KernelRows,
                    gradient, g * p.OutPerGroup * columns, columns, 0f, cols, g * p.KernelRows * columns, columns);
            Im2Col.Fold(cols, count, p.C, p.H, p.W, p.Geometry, dx, s0 * p.C * p.H * p.W);
        }
    }

    /// <summary>The calling thread's weight-gradient buffers: <paramref name="parts"/> arrays of at least <paramref name="length"/>, reused.</summary>
    private static float[][] WeightPartials(int parts, int length)
    {
        var buffers = t_weightPartials is { } b && b.Length >= parts ? b : t_weightPartials = new float[parts][];
        for (int i = 0; i < parts; i++)
            if (buffers[i] is null || buffers[i].Length < length) buffers[i] = GC.AllocateUninitializedArray<float>(length);
        return buffers;
    }

    private static (int Start, int Count) Range(Problem p, int chunk)
    {
        int s0 = chunk * p.SamplesPerChunk;
        return (s0, Math.Min(p.SamplesPerChunk, p.N - s0));
    }

    /// <summary>A per-thread scratch array of at least <paramref name="length"/> elements, grown when too small.</summary>
    internal static float[] Buffer(ref float[]? buffer, int length)
    {
        if (buffer is null || buffer.Length < length) buffer = new float[length];
        return buffer;
    }
}
