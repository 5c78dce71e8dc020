namespace Sprout.Kernels;

/// <summary>
/// The deep layers whose batch makes fewer chunks than two per thread (ResNet-18's 512 channels at 3×3: two chunks of
/// 144 columns) run as one product over the whole batch instead, split over the threads by rows of the result, with the
/// right-hand operand packed once and shared. Chunk per thread, each thread streamed every weight (9 MB at 512 channels)
/// and multiplied a ragged last column panel; by rows, each reads its share of the weights once and the whole batch's
/// 288 columns are whole panels. Two threads, 512 channels at 3×3, batch 32: forward 47–48 → 55–65 % of the FMA peak
/// (<c>Sprout.Bench -- conv resnet</c>). The output and dx are summed in the same order as by the chunks (bit-identical);
/// dw is summed over the whole batch at once instead of chunk by chunk, so it differs from the chunks' in rounding only.
/// </summary>
internal static partial class Convolution
{
    // Besides the chunks' scratch of the calling thread (t_cols for the im2col matrix, t_product for the product or dY
    // laid out by channel; never in use by both paths at once), one more for the packed right operand.
    [ThreadStatic] private static float[]? t_wholePacked;

    /// <summary>The largest whole-batch im2col matrix this path takes (beyond it the chunks stay in cache).</summary>
    private const long WholeBatchBytes = 16L << 20;

    /// <summary>Whether deep layers may take this path (benchmarks switch it off to compare: <c>profile resnet whole</c>).</summary>
    internal static bool WholeBatch { get; set; } = true;

    /// <summary>Whether <paramref name="p"/> runs as one product split by rows rather than by chunks.</summary>
    internal static bool UsesWholeBatch(Problem p) =>
        WholeBatch && p.Groups == 1 && Threads.Count > 1 && p.Chunks < 2 * Threads.Count
        && (long)p.KernelRows * p.N * p.Pixels * sizeof(float) <= WholeBatchBytes;

    /// <summary>y = W · cols(x) for the whole batch: cols unfolded and packed once, each thread a block of output channels.</summary>
    private static unsafe void ForwardWhole(Problem p, float[] x, int xOffset, float[] w, int wOffset, float[] y, float[]? bias, int biasOffset)
    {
        int columns = p.N * p.Pixels, rows = p.KernelRows;
        var cols = Buffer(ref t_cols, rows * columns);
        Im2Col.Unfold(x, xOffset, p.N, p.C, p.H, p.W, p.Geometry, cols);
        var right = new PackedRight(Gemm.Kernel, false, cols, 0, columns, rows, columns, Buffer(ref t_wholePacked, PackedRight.Length(Gemm.Kernel, rows, columns)), 0);
        var product = Buffer(ref t_product, p.O * columns);
        ByRows(p.O, (m0, m1) =>
        {
            fixed (float* pw = w, pb = right.Storage, pp = product)
                Gemm.Blocked(Gemm.Kernel, m1 - m0, columns, rows, 1f, new PlainLeft(false, pw + wOffset + (long)m0 * rows, rows), right.Pin(pb),
                    0f, pp + (long)m0 * columns, columns);
        });
        Scatter(p, product, y, bias, biasOffset);
    }

    /// <summary>
    /// dw = dY · cols(x)ᵀ (each thread a block of output channels, written once: no partial sums) and dcols = Wᵀ · dY
    /// (each thread a block of im2col rows), folded onto dx.
    /// </summary>
    private static unsafe void BackwardWhole(Problem p, float[] x, int xOffset, float[] w, int wOffset, float[] dy, int dyOffset, float[]? dx, float[]? dw)
    {
        int columns = p.N * p.Pixels, rows = p.KernelRows;
        var gradient = Buffer(ref t_product, p.O * columns);
        Gather(p, dy, dyOffset, gradient);
        var cols = Buffer(ref t_cols, rows * columns);
        var packed = Buffer(ref t_wholePacked, Math.Max(PackedRight.Length(Gemm.Kernel, columns, rows), PackedRight.Length(Gemm.Kernel, p.O, columns)));
        if (dw is not null)
        {
            Im2Col.Unfold(x, xOffset, p.N, p.C, p.H, p.W, p.Geometry, cols);
            var colsT = new PackedRight(Gemm.Kernel, true, cols, 0, columns, columns, rows, packed, 0);
            ByRows(p.O, (m0, m1) =>
            {
                fixed (float* pg = gradient, pb = packed, pw = dw)
                    Gemm.Blocked(Gemm.Kernel, m1 - m0, rows, columns, 1f, new PlainLeft(false, pg + (long)m0 * columns, columns), colsT.Pin(pb),
                        0f, pw + (long)m0 * rows, rows);
            });
        }
        if (dx is null) return;
        var right = new PackedRight(Gemm.Kernel, false, gradient, 0, columns, p.O, columns, packed, 0);
        ByRows(rows, (m0, m1) =>
        {
            fixed (float* pw = w, pb = packed, pc = cols)
                Gemm.Blocked(Gemm.Kernel, m1 - m0, columns, p.O, 1f, new PlainLeft(true, pw + wOffset + m0, rows), right.Pin(pb),
                    0f, pc + (long)m0 * columns, columns);
        });
        Im2Col.Fold(cols, p.N, p.C, p.H, p.W, p.Geometry, dx, 0);
    }

    /// <summary>Runs <paramref name="body"/>(start, end) for one block of [0, <paramref name="count"/>) per thread, blocks on micro-tile rows.</summary>
    private static void ByRows(int count, Action<int, int> body)
    {
        int mr = Gemm.Kernel.MR, units = (count + mr - 1) / mr, parts = Math.Min(Threads.Count, units);
        WorkerPool.For(parts, part => body(units * part / parts * mr, Math.Min(count, units * (part + 1) / parts * mr)));
    }

    /// <summary>(O, N·pixels) → y (N, O, pixels), plus bias[o] when given, split by channel over the threads.</summary>
    private static void Scatter(Problem p, float[] product, float[] y, float[]? bias, int biasOffset) =>
        WorkerPool.ForRanges(p.O, (long)p.O * p.N * p.Pixels, (o0, o1) => IntoPlanes(p, product, y, 0, p.N, o0, o1, bias, biasOffset));

    /// <summary>dy (N, O, pixels) from <paramref name="dyOffset"/> → (O, N·pixels), split by channel over the threads.</summary>
    private static void Gather(Problem p, float[] dy, int dyOffset, float[] gradient) =>
        WorkerPool.ForRanges(p.O, (long)p.O * p.N * p.Pixels, (o0, o1) => FromPlanes(p, dy, dyOffset, 0, p.N, o0, o1, gradient));
}
