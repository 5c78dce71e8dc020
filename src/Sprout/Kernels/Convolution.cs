using System.Numerics.Tensors;

namespace Sprout.Kernels;

/// <summary>
/// 2-D convolution as GEMM over chunks of the batch: the samples are split into chunks whose im2col matrix
/// ((C·kh·kw) × (S·Ho·Wo), S samples) stays in cache, and the chunks run in parallel, each with its own buffers and a
/// single-threaded GEMM per group. Backward recomputes each chunk's columns instead of keeping a batch-sized copy,
/// accumulates the weight gradient per chunk (summed in a fixed order, so results do not depend on scheduling) and
/// folds the input gradient back with col2im.
/// </summary>
internal static partial class Convolution
{
    private const int ChunkBytes = 1 << 19;   // target size of one chunk's im2col matrix

    /// <summary>
    /// Fewest GEMM columns a chunk gets (benchmarks compare others). Wider is faster until chunks run short of threads:
    /// one core, % of peak at 128 / 256 / 512 columns, ResNet's 128 channels at 12×12 forward 43 / 57 / 57, its 512 at 3×3
    /// 42 / 46 / 62; but at 512 that layer is one chunk of 32 samples, and two cores run it at 32 % against 45 % at 256.
    /// Cutting a large sample into bands of output rows, so that its im2col matrix stays in L2, was slower too (64
    /// channels at 24×24: 47 % against 51 %). <c>Sprout.Bench -- conv resnet 5 ab 256 512</c>.
    /// </summary>
    internal static int MinColumns { get; set; } = 256;

    [ThreadStatic] private static float[]? t_cols, t_product, t_packedWeights;
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
        /// column, and cache-sized chunks of 27 columns made its GEMMs skinny. Chunks are then evened out over the batch.
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

    /// <summary>
    /// y (N, O, Ho, Wo) = x ⋆ w, plus bias[o] (from <paramref name="biasOffset"/>) when given, added to each chunk's
    /// output while it is in cache instead of in a pass of its own over y.
    /// </summary>
    public static void Forward(Problem p, float[] x, int xOffset, float[] w, int wOffset, float[] y, float[]? bias = null, int biasOffset = 0)
    {
        if (UsesTapWise(p))
        {
            ForwardTaps(p, x, xOffset, w, wOffset, y, bias, biasOffset);
            return;
        }
        if (UsesWholeBatch(p))
        {
            ForwardWhole(p, x, xOffset, w, wOffset, y, bias, biasOffset);
            return;
        }
        var weights = PackGroups(p, w, wOffset, transpose: false);
        WorkerPool.For(p.Chunks, chunk => ForwardChunk(p, x, xOffset, weights, y, chunk, bias, biasOffset));
    }

    /// <summary>
    /// One chunk: the chunk's im2col matrix, then Y_g = W_g · cols_g per group. A chunk of one sample writes its output in
    /// place, a larger one through a scratch (O, S·pixels) reordered into (S, O, pixels). (Packing the columns straight
    /// from the images inside the GEMM, without the matrix, was tried and measured A/B in one run: slower at most
    /// ResNet-18 layers here, since runs of an output row then break at every micro-panel edge.)
    /// </summary>
    private static unsafe void ForwardChunk(Problem p, float[] x, int xOffset, PackedLeft[] weights, float[] y, int chunk, float[]? bias, int biasOffset)
    {
        var (s0, count) = Range(p, chunk);
        int columns = count * p.Pixels;
        bool direct = count == 1;
        var product = direct ? y : Buffer(ref t_product, p.O * columns);
        int productOffset = direct ? s0 * p.O * p.Pixels : 0;
        var (cols, colsOffset) = Columns(p, x, xOffset, s0, count);
        fixed (float* pc = cols, pp = product)
            for (int g = 0; g < p.Groups; g++)
                fixed (float* pw = weights[g].Storage)
                    Gemm.Blocked(Gemm.Kernel, p.OutPerGroup, columns, p.KernelRows, 1f, weights[g].Pin(pw),
                        new PlainRight(false, pc + colsOffset + (long)g * p.KernelRows * columns, columns, inPlace: false),
                        0f, pp + productOffset + (long)g * p.OutPerGroup * columns, columns);
        if (!direct || bias is not null) IntoPlanes(p, direct ? null : product, y, s0, count, 0, p.O, bias, biasOffset);
    }

    /// <summary>
    /// A product in the (O, count·pixels) layout → samples s0 .. s0+count of y (N, O, pixels), output channels o0 .. o1,
    /// plus bias[o] when given; with no product, y already holds the values and only the bias is added.
    /// </summary>
    private static void IntoPlanes(Problem p, float[]? product, float[] y, int s0, int count, int o0, int o1, float[]? bias, int biasOffset)
    {
        int pixels = p.Pixels, channels = p.O;   // the record computes them on each read
        for (int o = o0; o < o1; o++)
            for (int s = 0; s < count; s++)
            {
                var plane = y.AsSpan(((s0 + s) * channels + o) * pixels, pixels);
                if (product is not null) product.AsSpan((o * count + s) * pixels, pixels).CopyTo(plane);
                if (bias is not null) ShortSpans.Add(plane, bias[biasOffset + o]);
            }
    }

    /// <summary>Samples s0 .. s0+count of dy (N, O, pixels, from <paramref name="dyOffset"/>), channels o0 .. o1 → the (O, count·pixels) layout.</summary>
    private static void FromPlanes(Problem p, float[] dy, int dyOffset, int s0, int count, int o0, int o1, float[] gradient)
    {
        int pixels = p.Pixels, channels = p.O;
        for (int o = o0; o < o1; o++)
            for (int s = 0; s < count; s++)
                dy.AsSpan(dyOffset + ((s0 + s) * channels + o) * pixels, pixels).CopyTo(gradient.AsSpan((o * count + s) * pixels, pixels));
    }

    /// <summary>
    /// Each group's weights (O/g × C/g·kh·kw), or their transposes, packed once for all chunks into the calling thread's
    /// scratch (valid until this thread packs again: forward and backward passes of one thread never overlap).
    /// </summary>
    private static PackedLeft[] PackGroups(Problem p, float[] w, int wOffset, bool transpose)
    {
        var (m, k) = transpose ? (p.KernelRows, p.OutPerGroup) : (p.OutPerGroup, p.KernelRows);
        int length = PackedLeft.Length(Gemm.Kernel, m, k);
        var storage = Buffer(ref t_packedWeights, length * p.Groups);
        var packed = new PackedLeft[p.Groups];
        for (int g = 0; g < p.Groups; g++)
            packed[g] = new PackedLeft(Gemm.Kernel, transpose, w, wOffset + g * p.OutPerGroup * p.KernelRows, p.KernelRows, m, k, storage, g * length);
        return packed;
    }

    /// <summary>
    /// Fills whichever of dx (N, C, H, W) and dw (O, C/g, kh, kw) is non-null, from dy (N, O, Ho, Wo). The chunks are
    /// split into one contiguous run per thread; each run accumulates its weight gradient in one reused buffer (a
    /// fresh array per chunk came from the large-object heap and stalled both threads in the garbage collector), and
    /// the runs' sums are added in a fixed order.
    /// </summary>
    public static void Backward(Problem p, float[] x, int xOffset, float[] w, int wOffset, float[] dy, int dyOffset, float[]? dx, float[]? dw)
    {
        if (UsesTapWise(p))
        {
            BackwardTaps(p, x, xOffset, w, wOffset, dy, dyOffset, dx, dw);
            return;
        }
        if (UsesWholeBatch(p))
        {
            BackwardWhole(p, x, xOffset, w, wOffset, dy, dyOffset, dx, dw);
            return;
        }
        int chunks = p.Chunks, wLength = p.O * p.KernelRows, parts = Math.Min(chunks, Threads.Count);
        var partial = dw is null ? null : WeightPartials(dw, parts, wLength);
        var transposed = dx is null ? null : PackGroups(p, w, wOffset, transpose: true);
        WorkerPool.For(parts, part =>
        {
            for (int chunk = chunks * part / parts, end = chunks * (part + 1) / parts; chunk < end; chunk++)
                BackwardChunk(p, x, xOffset, transposed, dy, dyOffset, dx, partial?[part], accumulate: chunk > chunks * part / parts, chunk);
        });
        if (dw is not null && parts > 1)   // in a fixed order, split over the threads (ResNet's 512-channel layers: 9 MB a run)
            WorkerPool.ForRanges(wLength, (long)wLength * parts, (start, end) =>
            {
                for (int part = 1; part < parts; part++)
                    TensorPrimitives.Add(dw.AsSpan(start, end - start), partial![part].AsSpan(start, end - start), dw.AsSpan(start, end - start));
            });
    }

    /// <summary>
    /// One chunk of the backward pass: dW_g (+)= dY_g · cols_gᵀ into <paramref name="dwPart"/> (the GEMM reads the im2col
    /// matrix transposed while it packs it, 8×8 blocks in registers: cheaper than unfolding windows row by row); and
    /// dcols_g = W_gᵀ · dY_g with the transposed weights packed once for all chunks, folded back onto dx (col2im).
    /// </summary>
    private static unsafe void BackwardChunk(Problem p, float[] x, int xOffset, PackedLeft[]? transposedWeights, float[] dy, int dyOffset,
        float[]? dx, float[]? dwPart, bool accumulate, int chunk)
    {
        var (s0, count) = Range(p, chunk);
        int columns = count * p.Pixels;
        // dY as (O, S·pixels): in place for a chunk of one sample, else gathered.
        var gradient = count == 1 ? dy : Buffer(ref t_product, p.O * columns);
        int gradientOffset = count == 1 ? dyOffset + s0 * p.O * p.Pixels : 0;
        if (count > 1) FromPlanes(p, dy, dyOffset, s0, count, 0, p.O, gradient);
        if (dwPart is not null)
        {
            var (cols, colsOffset) = Columns(p, x, xOffset, s0, count);
            for (int g = 0; g < p.Groups; g++)
                Gemm.Multiply(false, true, p.OutPerGroup, p.KernelRows, columns, 1f, gradient, gradientOffset + g * p.OutPerGroup * columns, columns,
                    cols, colsOffset + g * p.KernelRows * columns, columns, accumulate ? 1f : 0f, dwPart, g * p.OutPerGroup * p.KernelRows, p.KernelRows);
        }
        if (dx is null) return;
        // dcols = Wᵀ·dY, folded onto dx; for a 1×1 sample that is dx's own (C, pixels) block, so the product adds into it.
        bool inPlace = UnfoldsToItself(p, count);
        var dcols = inPlace ? dx : Buffer(ref t_cols, p.KernelRows * p.Groups * columns);
        long dcolsOffset = inPlace ? (long)s0 * p.C * p.H * p.W : 0;
        fixed (float* pc = dcols, pg = gradient)
            for (int g = 0; g < p.Groups; g++)
                fixed (float* pw = transposedWeights![g].Storage)
                    Gemm.Blocked(Gemm.Kernel, p.KernelRows, columns, p.OutPerGroup, 1f, transposedWeights[g].Pin(pw),
                        new PlainRight(false, pg + gradientOffset + (long)g * p.OutPerGroup * columns, columns, inPlace: false),
                        inPlace ? 1f : 0f, pc + dcolsOffset + (long)g * p.KernelRows * columns, columns);
        if (!inPlace) Im2Col.Fold(dcols, count, p.C, p.H, p.W, p.Geometry, dx, s0 * p.C * p.H * p.W);
    }

    /// <summary>
    /// Whether a chunk's im2col matrix is x itself: one sample under a 1×1 kernel with stride 1 and no padding, whose
    /// (C, pixels) block is already the (C·1·1) × pixels matrix — a plain GEMM on x, no copy (the chunks of large planes
    /// hold one sample: GoogLeNet's and DenseNet's 1×1 layers; small planes take several samples a chunk and are copied
    /// into one wide matrix).
    /// </summary>
    internal static bool UnfoldsToItself(Problem p, int count) =>
        count == 1 && p.Geometry is { KernelH: 1, KernelW: 1, StrideH: 1, StrideW: 1, PadH: 0, PadW: 0 };

    /// <summary>The im2col matrix of samples s0 .. s0+count: x itself where <see cref="UnfoldsToItself"/>, else unfolded into this thread's scratch.</summary>
    private static (float[] Cols, int Offset) Columns(Problem p, float[] x, int xOffset, int s0, int count)
    {
        if (UnfoldsToItself(p, count)) return (x, xOffset + s0 * p.C * p.H * p.W);
        var cols = Buffer(ref t_cols, p.C * p.Geometry.KernelH * p.Geometry.KernelW * count * p.Pixels);
        Im2Col.Unfold(x, xOffset + s0 * p.C * p.H * p.W, count, p.C, p.H, p.W, p.Geometry, cols);
        return (cols, 0);
    }

    /// <summary>
    /// Where each run of chunks accumulates its weight gradient: the first into <paramref name="dw"/> itself, the others
    /// into arrays of the calling thread (at least <paramref name="length"/> floats), reused across calls.
    /// </summary>
    private static float[][] WeightPartials(float[] dw, int parts, int length)
    {
        var kept = t_weightPartials is { } b && b.Length >= parts ? b : t_weightPartials = new float[parts][];
        var buffers = new float[parts][];
        buffers[0] = dw;
        for (int i = 1; i < parts; i++)
        {
            if (kept[i] is null || kept[i].Length < length) kept[i] = GC.AllocateUninitializedArray<float>(length);
            buffers[i] = kept[i];
        }
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
