using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Sprout.Kernels;

// The weight gradient of Winograd's F(2×2, 3×3): the adjoint of each forward stage, in reverse.
internal static unsafe partial class Winograd
{
    [ThreadStatic] private static float[]? t_gradientLast, t_gradientTiles;
    [ThreadStatic] private static float[][]? t_filterGradients;

    /// <summary>Whether <see cref="WeightGradient"/> is used for the layers Winograd runs (benchmarks compare im2col's).</summary>
    internal static bool WeightGradients { get; set; } = true;

    /// <summary>
    /// dw (O, C, 3, 3) of <see cref="Forward"/> from x and dy, every element written. The forward is Y = Aᵀ·(Σ_c V ⊙ U)·A
    /// per tile with V = Bᵀ·d·B and U = G·g·Gᵀ, so per position ξ of the 4×4 transformed tiles dU_ξ = Σ_tiles V_ξᵀ·Z_ξ,
    /// where Z = A·dY·Aᵀ carries each tile's 2×2 block of dy back through the output transform; then dw = Gᵀ·dU·G per
    /// filter. The 16 products of C × tiles × O do 16 multiply–adds per tile and channel pair where im2col's one product
    /// does 36. Chunks of tiles run in one contiguous run per thread, each run accumulating its own dU; the runs' sums
    /// are added in a fixed order.
    /// </summary>
    public static void WeightGradient(Convolution.Problem p, float[] x, int xOffset, float[] dy, int dyOffset, float[] dw) =>
        WeightGradientChannelsLast(p, x, xOffset, ChannelsLast(dy, dyOffset, p.N, p.O, p.H * p.W, ref t_gradientLast), dw);

    /// <summary><see cref="WeightGradient"/> from dy already channels-last (x is turned here).</summary>
    private static void WeightGradientChannelsLast(Convolution.Problem p, float[] x, int xOffset, float[] dyt, float[] dw)
    {
        var xt = ChannelsLast(x, xOffset, p.N, p.C, p.H * p.W, ref t_channelsLast);
        int tilesH = (p.H + 1) / 2, tilesW = (p.W + 1) / 2, tiles = p.N * tilesH * tilesW;
        var (chunks, perChunk) = Chunks(tiles, Math.Max(p.C, p.O));
        int parts = Math.Min(chunks, Threads.Count), length = 16 * p.C * p.O;
        var sums = FilterGradientSums(parts, length);
        WorkerPool.For(parts, part =>
        {
            var du = sums[part];
            for (int chunk = chunks * part / parts, end = chunks * (part + 1) / parts; chunk < end; chunk++)
            {
                int t0 = chunk * perChunk, count = Math.Min(perChunk, tiles - t0);
                var v = Convolution.Buffer(ref t_input, 16 * count * p.C);
                var z = Convolution.Buffer(ref t_gradientTiles, 16 * count * p.O);
                fixed (float* px = xt, pv = v) TransformInput(p, px, tilesH, tilesW, t0, count, pv);
                fixed (float* pg = dyt, pz = z) TransformOutputGradient(p, pg, tilesH, tilesW, t0, count, pz);
                float beta = chunk == chunks * part / parts ? 0f : 1f;
                for (int xi = 0; xi < 16; xi++)
                    Gemm.Multiply(true, false, p.C, p.O, count, 1f, v, xi * count * p.C, p.C, z, xi * count * p.O, p.O, beta, du, xi * p.C * p.O, p.O);
            }
        });
        if (parts > 1)
            WorkerPool.ForRanges(length, (long)length * parts, (start, end) =>
            {
                for (int part = 1; part < parts; part++)
                    TensorPrimitives.Add(sums[0].AsSpan(start, end - start), sums[part].AsSpan(start, end - start), sums[0].AsSpan(start, end - start));
            });
        TransformFilterGradients(sums[0], p.O, p.C, dw);
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
    /// dw[o, c] = Gᵀ·dU[·][c][o]·G (3×3 from 4×4), the adjoint of <see cref="TransformFilters"/>; outputs innermost, so
    /// that each of dU's 16 planes is read in order.
    /// </summary>
    private static void TransformFilterGradients(float[] du, int outputs, int channels, float[] dw)
    {
        int plane = channels * outputs;
        WorkerPool.ForRanges(channels, (long)plane * 16, (first, end) =>
        {
            Span<float> t = stackalloc float[12];
            for (int c = first; c < end; c++)
                for (int o = 0; o < outputs; o++)
                {
                    int at = c * outputs + o;
                    for (int j = 0; j < 4; j++)   // t = Gᵀ·dU (3×4): rows M0 + ½M1 + ½M2, ½M1 − ½M2, ½M1 + ½M2 + M3
                    {
                        float m0 = du[j * plane + at], m1 = du[(4 + j) * plane + at], m2 = du[(8 + j) * plane + at], m3 = du[(12 + j) * plane + at];
                        t[j] = m0 + 0.5f * (m1 + m2);
                        t[4 + j] = 0.5f * (m1 - m2);
                        t[8 + j] = 0.5f * (m1 + m2) + m3;
                    }
                    var g = dw.AsSpan((o * channels + c) * 9, 9);
                    for (int a = 0; a < 3; a++)   // ·G on the columns alike
                    {
                        float r0 = t[4 * a], r1 = t[4 * a + 1], r2 = t[4 * a + 2], r3 = t[4 * a + 3];
                        g[3 * a] = r0 + 0.5f * (r1 + r2);
                        g[3 * a + 1] = 0.5f * (r1 - r2);
                        g[3 * a + 2] = 0.5f * (r1 + r2) + r3;
                    }
                }
        });
    }

    /// <summary>One dU accumulator (16·C·O floats) per run of chunks, kept by the calling thread and reused.</summary>
    private static float[][] FilterGradientSums(int parts, int length)
    {
        var kept = t_filterGradients is { } b && b.Length >= parts ? b : t_filterGradients = new float[parts][];
        for (int i = 0; i < parts; i++)
            if (kept[i] is null || kept[i].Length < length) kept[i] = GC.AllocateUninitializedArray<float>(length);
        return kept;
    }
}
