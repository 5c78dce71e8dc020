using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Sprout.Kernels;

// The weight gradient of Winograd's F(2×2, 3×3): the adjoint of each forward stage, in reverse.
internal static unsafe partial class Winograd
{
    [ThreadStatic] private static float[]? t_gradientLast, t_gradientTiles;
    [ThreadStatic] private static float[][]? t_filterGradients;

    /// <summary>Whether the weight gradient takes F(4×4, 3×3) where the forward does (benchmarks compare: <c>profile resnet wlarge</c>).</summary>
    internal static bool LargeWeightGradients { get; set; } = true;

    /// <summary>Whether <see cref="WeightGradient"/> is used for the layers Winograd runs (benchmarks compare im2col's).</summary>
    internal static bool WeightGradients { get; set; } = true;

    /// <summary>
    /// dw (O, C, 3, 3) of <see cref="Forward"/> from x and dy, every element written, in the forward's tiling (always
    /// F(2×2, 3×3) when <see cref="LargeWeightGradients"/> is off). The forward is Y = Aᵀ·(Σ_c V ⊙ U)·A per tile with V = Bᵀ·d·B
    /// and U = G·g·Gᵀ, so per position ξ of the transformed tiles dU_ξ = Σ_tiles Z_ξᵀ·V_ξ (O × C), where Z = A·dY·Aᵀ
    /// carries each tile's block of dy back through the output transform; then dw = Gᵀ·dU·G per filter. F(2×2, 3×3)'s 16
    /// products do 16 multiply–adds per 2×2 outputs and channel pair where im2col's one product does 36; F(4×4, 3×3)'s
    /// 36 do 36 per 4×4 outputs. Chunks of tiles run in one contiguous run per thread, each run accumulating its own dU;
    /// the runs' sums are added in a fixed order.
    /// </summary>
    public static void WeightGradient(Convolution.Problem p, float[] x, int xOffset, float[] dy, int dyOffset, float[] dw) =>
        WeightGradientChannelsLast(p, x, xOffset, ChannelsLast(dy, dyOffset, p.N, p.O, p.H * p.W, ref t_gradientLast), dw);

    /// <summary><see cref="WeightGradient"/> from dy already channels-last (x is turned here).</summary>
    private static void WeightGradientChannelsLast(Convolution.Problem p, float[] x, int xOffset, float[] dyt, float[] dw)
    {
        var xt = ChannelsLast(x, xOffset, p.N, p.C, p.H * p.W, ref t_channelsLast);
        var f = LargeWeightGradients ? TilingOf(p) : WinogradTiling.Two;
        int tilesH = f.Tiles(p.H), tilesW = f.Tiles(p.W), tiles = p.N * tilesH * tilesW, positions = f.Positions;
        var (chunks, perChunk) = Chunks(tiles, TilesIn(ChunkBytesOf(p), positions * Math.Max(p.C, p.O)));
        int parts = Math.Min(chunks, Threads.Count), length = positions * p.C * p.O;
        var sums = FilterGradientSums(parts, length);
        WorkerPool.For(parts, part =>
        {
            var du = sums[part];
            for (int chunk = chunks * part / parts, end = chunks * (part + 1) / parts; chunk < end; chunk++)
            {
                int t0 = chunk * perChunk, count = Math.Min(perChunk, tiles - t0);
                var v = Convolution.Buffer(ref t_input, positions * count * p.C);
                var z = Convolution.Buffer(ref t_gradientTiles, positions * count * p.O);
                fixed (float* px = xt, pv = v) TransformInput(f, p, px, tilesW, t0, count, pv);
                fixed (float* pg = dyt, pz = z) TransformOutputGradient(f, p, pg, tilesW, t0, count, pz);
                float beta = chunk == chunks * part / parts ? 0f : 1f;
                for (int xi = 0; xi < positions; xi++)
                    Gemm.Multiply(true, false, p.O, p.C, count, 1f, z, xi * count * p.O, p.O, v, xi * count * p.C, p.C, beta, du, xi * p.O * p.C, p.C);
            }
        });
        if (parts > 1)
            WorkerPool.ForRanges(length, (long)length * parts, (start, end) =>
            {
                for (int part = 1; part < parts; part++)
                    TensorPrimitives.Add(sums[0].AsSpan(start, end - start), sums[part].AsSpan(start, end - start), sums[0].AsSpan(start, end - start));
            });
        TransformFilterGradients(f, sums[0], p.O, p.C, dw);
    }

    /// <summary>Z[ξ][t][o] = (A·dY·Aᵀ)[ξ] for the tiles t0 .. t0+count, dY the tile's 2×2 block of the channels-last gradient (zero outside the image).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void TransformOutputGradient(Convolution.Problem p, float* dyt, int tilesH, int tilesW, int t0, int count, float* z)
    {
        int o = p.O, h = p.H, w = p.W, perSample = tilesH * tilesW;
        long stride = (long)count * o;
        for (int t = 0; t < count; t++)
        {
            var (n, row, col, right, below) = Block(t0 + t, tilesW, perSample, h, w);
            float* sample = dyt + (long)n * h * w * o;
            for (int o0 = 0; o0 < o; o0 += L)
            {
                var y00 = Vector512.Load(sample + ((long)row * w + col) * o + o0);
                var y01 = right ? Vector512.Load(sample + ((long)row * w + col + 1) * o + o0) : Vector512<float>.Zero;
                var y10 = below ? Vector512.Load(sample + ((long)(row + 1) * w + col) * o + o0) : Vector512<float>.Zero;
                var y11 = right && below ? Vector512.Load(sample + ((long)(row + 1) * w + col + 1) * o + o0) : Vector512<float>.Zero;
                float* at = z + (long)t * o + o0;
                // A·dY (A = Aᵀ's transpose: rows (1, 0), (1, 1), (1, −1), (0, −1)), then ·Aᵀ on the columns alike.
                StoreRow(at, stride, 0, y00, y01);
                StoreRow(at, stride, 1, y00 + y10, y01 + y11);
                StoreRow(at, stride, 2, y00 - y10, y01 - y11);
                StoreRow(at, stride, 3, -y10, -y11);
            }
        }
    }

    /// <summary>Row <paramref name="i"/> of A·R·Aᵀ from the row (r0, r1) of A·R: r0, r0 + r1, r0 − r1, −r1.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreRow(float* at, long stride, int i, Vector512<float> r0, Vector512<float> r1)
    {
        r0.Store(at + (4 * i) * stride);
        (r0 + r1).Store(at + (4 * i + 1) * stride);
        (r0 - r1).Store(at + (4 * i + 2) * stride);
        (-r1).Store(at + (4 * i + 3) * stride);
    }

    /// <summary>
    /// dw[o, c] = Gᵀ·dU[·][o][c]·G (3×3 from α×α), the adjoint of the filter transform, 16 input channels at a time
    /// (each of dU's planes read in order): each row of dU through Gᵀ into the scratch, each of its 3 columns through Gᵀ
    /// again into its column of taps; the 9 taps leave through the scratch as the 144 consecutive floats of dw[o, c .. c+15].
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void TransformFilterGradients(WinogradTiling f, float[] du, int outputs, int channels, float[] dw)
    {
        int plane = channels * outputs, span = f.Span;
        bool large = f == WinogradTiling.Four;
        WorkerPool.ForRanges(outputs, (long)plane * f.Positions, (first, end) =>
        {
            var rows = stackalloc Vector512<float>[3 * LargeSpan];   // dU·G, row i at 3·i
            var taps = stackalloc Vector512<float>[9];
            fixed (float* pu = du, pw = dw)
                for (int o = first; o < end; o++)
                    for (int c = 0; c < channels; c += L)
                    {
                        float* at = pu + (long)o * channels + c;
                        for (int i = 0; i < span; i++, at += (long)span * plane)
                            TapsOf(large, at, plane, rows + 3 * i);
                        for (int s = 0; s < 3; s++) TapsOf(large, rows + s, 3, taps + s);   // column s: taps s, 3 + s, 6 + s
                        var lanes = (float*)taps;
                        float* filters = pw + ((long)o * channels + c) * 9;
                        for (int lane = 0; lane < L; lane++)
                            for (int k = 0; k < 9; k++) filters[lane * 9 + k] = lanes[k * L + lane];
                    }
        });
    }

    /// <summary>Gᵀ·(the α vectors from <paramref name="at"/>, <paramref name="step"/> floats apart) into <paramref name="to"/>[0..2].</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void TapsOf(bool large, float* at, long step, Vector512<float>* to)
    {
        var (m0, m1, m2, m3) = (Vector512.Load(at), Vector512.Load(at + step), Vector512.Load(at + 2 * step), Vector512.Load(at + 3 * step));
        if (large) GradientTaps(m0, m1, m2, m3, Vector512.Load(at + 4 * step), Vector512.Load(at + 5 * step), out to[0], out to[1], out to[2]);
        else GradientTaps(m0, m1, m2, m3, out to[0], out to[1], out to[2]);
    }

    /// <summary>Gᵀ·(the α vectors from <paramref name="at"/>, <paramref name="step"/> apart) into <paramref name="to"/>[0], [3], [6]: a column of the 3×3 taps.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void TapsOf(bool large, Vector512<float>* at, int step, Vector512<float>* to)
    {
        if (large) GradientTaps(at[0], at[step], at[2 * step], at[3 * step], at[4 * step], at[5 * step], out to[0], out to[3], out to[6]);
        else GradientTaps(at[0], at[step], at[2 * step], at[3 * step], out to[0], out to[3], out to[6]);
    }

    /// <summary>F(2×2, 3×3)'s Gᵀ·(m0 … m3), Gᵀ's rows (1, ½, ½, 0), (0, ½, −½, 0), (0, ½, ½, 1).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void GradientTaps(Vector512<float> m0, Vector512<float> m1, Vector512<float> m2, Vector512<float> m3,
        out Vector512<float> r0, out Vector512<float> r1, out Vector512<float> r2)
    {
        var half = Vector512.Create(0.5f);
        var sum = half * (m1 + m2);
        (r0, r1, r2) = (m0 + sum, half * (m1 - m2), sum + m3);
    }

    /// <summary>
    /// F(4×4, 3×3)'s Gᵀ·(m0 … m5), Gᵀ's rows (¼, −⅙, −⅙, 1/24, 1/24, 0), (0, −⅙, ⅙, 1/12, −1/12, 0), (0, −⅙, −⅙, ⅙, ⅙, 1).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void GradientTaps(Vector512<float> m0, Vector512<float> m1, Vector512<float> m2, Vector512<float> m3, Vector512<float> m4, Vector512<float> m5,
        out Vector512<float> r0, out Vector512<float> r1, out Vector512<float> r2)
    {
        var sixth = Vector512.Create(1f / 6);
        Vector512<float> near = m1 + m2, far = m3 + m4;
        r0 = Vector512.FusedMultiplyAdd(Vector512.Create(0.25f), m0, Vector512.FusedMultiplyAdd(Vector512.Create(1f / 24), far, -sixth * near));
        r1 = Vector512.FusedMultiplyAdd(sixth, m2 - m1, Vector512.Create(1f / 12) * (m3 - m4));
        r2 = Vector512.FusedMultiplyAdd(sixth, far - near, m5);
    }

    /// <summary>One dU accumulator (positions·C·O floats) per run of chunks, kept by the calling thread and reused.</summary>
    private static float[][] FilterGradientSums(int parts, int length)
    {
        var kept = t_filterGradients is { } b && b.Length >= parts ? b : t_filterGradients = new float[parts][];
        for (int i = 0; i < parts; i++)
            if (kept[i] is null || kept[i].Length < length) kept[i] = GC.AllocateUninitializedArray<float>(length);
        return kept;
    }
}
