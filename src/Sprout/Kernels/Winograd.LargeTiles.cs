using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Sprout.Kernels;

// Winograd's F(4×4, 3×3) (Lavin and Gray, 2016) for larger planes, forward, input and weight gradients: 6×6 input tiles
// at stride 4, 36 products per tile for 4×4 outputs, 2.25 multiplies per output and channel pair where F(2×2, 3×3)
// needs 4 and the direct algorithm 9. The transforms hold more of their values in flight, so each runs in two passes
// through a scratch on the stack: first along rows, then along columns. (Their first form kept a tile's vectors in
// stack arrays passed by pointer; holding each row in locals cut the input transform's share of a 64-channel weight
// gradient from 24 % to 17 %.)
internal static unsafe partial class Winograd
{
    internal const int LargeTile = 4;   // WinogradTiling.Four's m
    private const int LargeSpan = LargeTile + 2, LargePositions = LargeSpan * LargeSpan;

    /// <summary>
    /// Smallest planes (height and width) that run by F(4×4, 3×3) instead of F(2×2, 3×3): the forward, the input
    /// gradient and (unless <see cref="LargeWeightGradients"/> is off) the weight gradient. Zen 4, batch 32, forward / dX
    /// / dW alternated in one process (<c>Sprout.Bench -- conv layer same 12 128 large 12 1000</c>): 128 channels at
    /// 12×12 one core 7.50 / 9.44 / 9.70 against 9.43 / 10.76 / 11.38 ms, two cores 3.06 / 2.77 / 4.01 against 4.15 /
    /// 3.81 / 4.65 ms; 64 at 24×24 one core 10.85 / 11.33 / 11.24 against 11.96 / 11.92 / 12.89 ms, two cores 5.19 /
    /// 5.31 / 7.07 against 6.09 / 6.20 / 9.63 ms. Whole ResNet-18 steps alternated in one
    /// process (<c>Sprout.Bench -- profile resnet large 12 1000</c>): one thread 663.0 / 716.0 and 588.2 / 634.1 ms, two
    /// threads 351.5 / 375.1 and 296.9 / 319.9 ms, 6–7 % faster.
    /// </summary>
    internal static int LargeTilesFrom { get; set; } = 12;

    /// <summary>
    /// U[ξ][c][o] = (G·g·Gᵀ)[ξ] for each filter g = w[o, c] (6×6 from 3×3; <see cref="FilterTaps"/>), 16 outputs at a time, with G's rows
    /// (¼, 0, 0), −⅙(1, 1, 1), −⅙(1, −1, 1), (1/24, 1/12, ⅙), (1/24, −1/12, ⅙), (0, 0, 1).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void TransformFiltersLarge(float[] w, int wOffset, int outputs, int channels, bool flipped, float[] u)
    {
        int plane = channels * outputs;
        WorkerPool.ForRanges(channels, (long)plane * LargePositions, (first, end) =>
        {
            var columns = stackalloc Vector512<float>[3 * LargeSpan];   // G·g, column j at 6·j
            var row = stackalloc Vector512<float>[LargeSpan];
            fixed (float* pw = w, pu = u)
            {
                var taps = new FilterTaps(pw + wOffset, outputs, channels, flipped);
                for (int c = first; c < end; c++)
                    for (int o = 0; o < outputs; o += L)
                    {
                        for (int j = 0; j < 3; j++)
                            FilterRows(taps.Tap(o, c, j), taps.Tap(o, c, 3 + j), taps.Tap(o, c, 6 + j), columns + LargeSpan * j);
                        float* at = pu + (long)c * outputs + o;
                        for (int i = 0; i < LargeSpan; i++)   // ·Gᵀ: row i of G·g through G again
                        {
                            FilterRows(columns[i], columns[LargeSpan + i], columns[2 * LargeSpan + i], row);
                            for (int k = 0; k < LargeSpan; k++) row[k].Store(at + (long)(LargeSpan * i + k) * plane);
                        }
                    }
            }
        });
    }

    /// <summary>G·(g0, g1, g2) into <paramref name="t"/>[0..5].</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void FilterRows(Vector512<float> g0, Vector512<float> g1, Vector512<float> g2, Vector512<float>* t)
    {
        var outer = g0 + g2;
        var near = Vector512.FusedMultiplyAdd(g0, Vector512.Create(1f / 24), g2 * Vector512.Create(1f / 6));
        var middle = g1 * Vector512.Create(1f / 12);
        t[0] = g0 * Vector512.Create(0.25f);
        t[1] = (outer + g1) * Vector512.Create(-1f / 6);
        t[2] = (outer - g1) * Vector512.Create(-1f / 6);
        t[3] = near + middle;
        t[4] = near - middle;
        t[5] = g2;
    }

    /// <summary>
    /// V[ξ][t][c] = (Bᵀ·d·B)[ξ] for the 6×6 tiles t0 .. t0+count of the channels-last input (zero outside the image), 16
    /// channels at a time: each input row through B into the scratch, then each of its columns through Bᵀ into V.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void TransformInputLarge(Convolution.Problem p, float* xt, int tilesH, int tilesW, int t0, int count, float* v)
    {
        int c = p.C, h = p.H, w = p.W, perSample = tilesH * tilesW;
        long stride = (long)count * c, rowStep = (long)w * c;   // between positions ξ; between image rows
        var rows = stackalloc Vector512<float>[LargePositions];   // d·B, row i at 6·i
        for (int t = 0; t < count; t++)
        {
            var (n, row, col) = Corner(t0 + t, tilesW, perSample, LargeTile);
            int row0 = row - 1, col0 = col - 1;   // the 6×6 input tile overlaps its neighbours by 2
            bool inside = row0 >= 0 && col0 >= 0 && row0 + LargeSpan <= h && col0 + LargeSpan <= w;
            float* corner = xt + (long)n * h * w * c + (row0 * (long)w + col0) * c;
            for (int c0 = 0; c0 < c; c0 += L, corner += L)
            {
                for (int i = 0; i < LargeSpan; i++)
                {
                    float* first = corner + i * rowStep;
                    int r = row0 + i;
                    Vector512<float> d0, d1, d2, d3, d4, d5;
                    if (inside)
                        (d0, d1, d2, d3, d4, d5) = (Vector512.Load(first), Vector512.Load(first + c), Vector512.Load(first + 2 * c),
                            Vector512.Load(first + 3 * c), Vector512.Load(first + 4 * c), Vector512.Load(first + 5 * c));
                    else
                        (d0, d1, d2, d3, d4, d5) = (Pixel(first, 0, c, r, col0, h, w), Pixel(first, 1, c, r, col0, h, w), Pixel(first, 2, c, r, col0, h, w),
                            Pixel(first, 3, c, r, col0, h, w), Pixel(first, 4, c, r, col0, h, w), Pixel(first, 5, c, r, col0, h, w));
                    InputRows(d0, d1, d2, d3, d4, d5, out var r0, out var r1, out var r2, out var r3, out var r4, out var r5);
                    var to = rows + LargeSpan * i;
                    (to[0], to[1], to[2], to[3], to[4], to[5]) = (r0, r1, r2, r3, r4, r5);
                }
                float* at = v + (long)t * c + c0;
                for (int k = 0; k < LargeSpan; k++, at += stride)
                {
                    InputRows(rows[k], rows[LargeSpan + k], rows[2 * LargeSpan + k], rows[3 * LargeSpan + k], rows[4 * LargeSpan + k], rows[5 * LargeSpan + k],
                        out var v0, out var v1, out var v2, out var v3, out var v4, out var v5);
                    StoreColumn(at, stride, v0, v1, v2, v3, v4, v5);
                }
            }
        }
    }

    /// <summary>Column k of a transformed 6×6 tile: (c0 … c5) at positions ξ = k, k + 6, …, k + 30, from <paramref name="at"/> (position k's), <paramref name="stride"/> floats a position.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreColumn(float* at, long stride, Vector512<float> c0, Vector512<float> c1, Vector512<float> c2, Vector512<float> c3, Vector512<float> c4, Vector512<float> c5)
    {
        c0.Store(at);
        c1.Store(at + LargeSpan * stride);
        c2.Store(at + 2 * LargeSpan * stride);
        c3.Store(at + 3 * LargeSpan * stride);
        c4.Store(at + 4 * LargeSpan * stride);
        c5.Store(at + 5 * LargeSpan * stride);
    }

    /// <summary>Pixel <paramref name="k"/> of a tile row from <paramref name="first"/> (row r, column q + k), zero outside the image.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> Pixel(float* first, int k, int c, int r, int q, int h, int w) =>
        (uint)r < (uint)h && (uint)(q + k) < (uint)w ? Vector512.Load(first + k * c) : Vector512<float>.Zero;

    /// <summary>
    /// Bᵀ·(d0 … d5) = (r0 … r5), Bᵀ's rows (4, 0, −5, 0, 1, 0), (0, −4, −4, 1, 1, 0), (0, 4, −4, −1,
    /// 1, 0), (0, −2, −1, 2, 1, 0), (0, 2, −1, −2, 1, 0), (0, 4, 0, −5, 0, 1).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void InputRows(Vector512<float> d0, Vector512<float> d1, Vector512<float> d2, Vector512<float> d3, Vector512<float> d4, Vector512<float> d5,
        out Vector512<float> r0, out Vector512<float> r1, out Vector512<float> r2, out Vector512<float> r3, out Vector512<float> r4, out Vector512<float> r5)
    {
        var four = Vector512.Create(4f);
        var two = Vector512.Create(2f);
        var minusFive = Vector512.Create(-5f);
        var outer = d4 - d2;   // rows 3 and 4
        var inner = d1 - d3;
        r0 = Vector512.FusedMultiplyAdd(four, d0, Vector512.FusedMultiplyAdd(minusFive, d2, d4));
        r1 = Vector512.FusedMultiplyAdd(-four, d1 + d2, d3 + d4);
        r2 = Vector512.FusedMultiplyAdd(four, d1 - d2, d4 - d3);
        r3 = Vector512.FusedMultiplyAdd(-two, inner, outer);
        r4 = Vector512.FusedMultiplyAdd(two, inner, outer);
        r5 = Vector512.FusedMultiplyAdd(four, d1, Vector512.FusedMultiplyAdd(minusFive, d3, d5));
    }

    /// <summary>
    /// Y = Aᵀ·M·A (+ the bias, when given) per tile, 16 output channels at a time: each column of M through Aᵀ into the
    /// scratch, then each of its four rows through Aᵀ into the channels-last output where it falls inside the image.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void TransformOutputLarge(Convolution.Problem p, float* m, int tilesH, int tilesW, int t0, int count, float* yt, float* bias)
    {
        int o = p.O, h = p.H, w = p.W, perSample = tilesH * tilesW;
        long stride = (long)count * o;
        var columns = stackalloc Vector512<float>[LargeTile * LargeSpan];   // Aᵀ·M, row r at 6·r
        var y = stackalloc Vector512<float>[LargeTile];
        for (int t = 0; t < count; t++)
        {
            var (n, row, col) = Corner(t0 + t, tilesW, perSample, LargeTile);
            int rows = Math.Min(LargeTile, h - row), cols = Math.Min(LargeTile, w - col);
            float* sample = yt + (long)n * h * w * o;
            for (int o0 = 0; o0 < o; o0 += L)
            {
                float* at = m + (long)t * o + o0;
                for (int k = 0; k < LargeSpan; k++)
                {
                    OutputRows(Vector512.Load(at + k * stride), Vector512.Load(at + (LargeSpan + k) * stride), Vector512.Load(at + (2 * LargeSpan + k) * stride),
                        Vector512.Load(at + (3 * LargeSpan + k) * stride), Vector512.Load(at + (4 * LargeSpan + k) * stride), Vector512.Load(at + (5 * LargeSpan + k) * stride), y);
                    for (int r = 0; r < LargeTile; r++) columns[LargeSpan * r + k] = y[r];
                }
                var b = bias != null ? Vector512.Load(bias + o0) : Vector512<float>.Zero;
                for (int r = 0; r < rows; r++)
                {
                    var s = columns + LargeSpan * r;
                    OutputRows(s[0], s[1], s[2], s[3], s[4], s[5], y);
                    float* line = sample + ((long)(row + r) * w + col) * o + o0;
                    for (int q = 0; q < cols; q++)   // the convolution's sum, then the bias: rounded as a pass of its own would
                        (bias != null ? y[q] + b : y[q]).Store(line + (long)q * o);
                }
            }
        }
    }

    /// <summary>Aᵀ·(m0 … m5) into <paramref name="y"/>[0..3], Aᵀ's rows (1, 1, 1, 1, 1, 0), (0, 1, −1, 2, −2, 0), (0, 1, 1, 4, 4, 0), (0, 1, −1, 8, −8, 1).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void OutputRows(Vector512<float> m0, Vector512<float> m1, Vector512<float> m2, Vector512<float> m3, Vector512<float> m4, Vector512<float> m5, Vector512<float>* y)
    {
        Vector512<float> sum12 = m1 + m2, difference12 = m1 - m2, sum34 = m3 + m4, difference34 = m3 - m4;
        y[0] = m0 + sum12 + sum34;
        y[1] = Vector512.FusedMultiplyAdd(Vector512.Create(2f), difference34, difference12);
        y[2] = Vector512.FusedMultiplyAdd(Vector512.Create(4f), sum34, sum12);
        y[3] = Vector512.FusedMultiplyAdd(Vector512.Create(8f), difference34, difference12 + m5);
    }

    /// <summary>
    /// Z[ξ][t][o] = (A·dY·Aᵀ)[ξ] for the tiles t0 .. t0+count, dY the tile's 4×4 block of the channels-last gradient (zero
    /// outside the image), 16 channels at a time: each row of dY through A into the scratch, then each column into Z.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void TransformOutputGradientLarge(Convolution.Problem p, float* dyt, int tilesH, int tilesW, int t0, int count, float* z)
    {
        int o = p.O, h = p.H, w = p.W, perSample = tilesH * tilesW;
        long stride = (long)count * o;
        var rows = stackalloc Vector512<float>[LargeTile * LargeSpan];   // dY·Aᵀ, row a at 6·a
        for (int t = 0; t < count; t++)
        {
            var (n, row, col) = Corner(t0 + t, tilesW, perSample, LargeTile);
            int inRows = Math.Min(LargeTile, h - row), inCols = Math.Min(LargeTile, w - col);
            float* corner = dyt + (long)n * h * w * o + ((long)row * w + col) * o;
            for (int o0 = 0; o0 < o; o0 += L, corner += L)
            {
                for (int a = 0; a < LargeTile; a++)
                {
                    float* first = corner + (long)a * w * o;
                    bool inside = a < inRows;
                    GradientRows(Gradient(first, 0, o, inside, inCols), Gradient(first, 1, o, inside, inCols), Gradient(first, 2, o, inside, inCols), Gradient(first, 3, o, inside, inCols),
                        out var r0, out var r1, out var r2, out var r3, out var r4, out var r5);
                    var to = rows + LargeSpan * a;
                    (to[0], to[1], to[2], to[3], to[4], to[5]) = (r0, r1, r2, r3, r4, r5);
                }
                float* at = z + (long)t * o + o0;
                for (int k = 0; k < LargeSpan; k++, at += stride)
                {
                    GradientRows(rows[k], rows[LargeSpan + k], rows[2 * LargeSpan + k], rows[3 * LargeSpan + k],
                        out var z0, out var z1, out var z2, out var z3, out var z4, out var z5);
                    StoreColumn(at, stride, z0, z1, z2, z3, z4, z5);
                }
            }
        }
    }

    /// <summary>dY at column <paramref name="q"/> of a block row (16 channels), zero past the image's last row or column.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> Gradient(float* first, int q, int o, bool rowInside, int columns) =>
        rowInside && q < columns ? Vector512.Load(first + q * o) : Vector512<float>.Zero;

    /// <summary>A·(y0 … y3) = (z0 … z5), A's rows (1, 0, 0, 0), (1, 1, 1, 1), (1, −1, 1, −1), (1, 2, 4, 8), (1, −2, 4, −8), (0, 0, 0, 1).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void GradientRows(Vector512<float> y0, Vector512<float> y1, Vector512<float> y2, Vector512<float> y3,
        out Vector512<float> z0, out Vector512<float> z1, out Vector512<float> z2, out Vector512<float> z3, out Vector512<float> z4, out Vector512<float> z5)
    {
        Vector512<float> even = y0 + y2, odd = y1 + y3;
        var evenWide = Vector512.FusedMultiplyAdd(Vector512.Create(4f), y2, y0);
        var oddWide = Vector512.FusedMultiplyAdd(Vector512.Create(8f), y3, y1 + y1);
        (z0, z1, z2, z3, z4, z5) = (y0, even + odd, even - odd, evenWide + oddWide, evenWide - oddWide, y3);
    }
}
