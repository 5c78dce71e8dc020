using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Sprout.Kernels;

/// <summary>
/// Max and average pooling over each (H, W) plane, one core for both (they differ only in how a window is reduced
/// and how its gradient is spread). Max records the flat index of each window's maximum for backward; average divides
/// by the number of window positions inside the padded input (PyTorch's count_include_pad).
/// </summary>
internal static unsafe class Pooling
{
    private const int L = 16;   // floats in an AVX-512 vector

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Forward(bool max, ReadOnlySpan<float> x, int planes, int h, int w, ConvGeometry g, bool ceil, Span<float> y, Span<int> argmax)
    {
        int oh = g.OutH(h, ceil), ow = g.OutW(w, ceil);
        if (IsPairs(g, h, w, oh, ow))
        {
            if (max) MaxPairs(x, planes, h, w, oh, ow, y, argmax);
            else AveragePairs(x, planes, h, w, oh, ow, y);
            return;
        }
        if (max)
        {
            fixed (float* px = x, py = y)
            fixed (int* pi = argmax)
                for (int p = 0; p < planes; p++) MaxWindows(px + (long)p * h * w, h, w, oh, ow, g, py + (long)p * oh * ow, pi + (long)p * oh * ow);
            return;
        }
        for (int p = 0; p < planes; p++)
        {
            var plane = x.Slice(p * h * w, h * w);
            for (int oy = 0; oy < oh; oy++)
                for (int ox = 0; ox < ow; ox++)
                {
                    var (y0, y1, x0, x1, divisor) = Window(oy, ox, h, w, g);
                    int outIndex = (p * oh + oy) * ow + ox;
                    float sum = 0;
                    for (int iy = y0; iy < y1; iy++)
                        for (int ix = x0; ix < x1; ix++) sum += plane[iy * w + ix];
                    y[outIndex] = sum / divisor;
                }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Backward(bool max, ReadOnlySpan<float> dy, int planes, int h, int w, ConvGeometry g, bool ceil, ReadOnlySpan<int> argmax, Span<float> dx)
    {
        int oh = g.OutH(h, ceil), ow = g.OutW(w, ceil);
        if (!max && IsPairs(g, h, w, oh, ow))
        {
            SpreadPairs(dy, planes, h, w, oh, ow, dx);
            return;
        }
        if (max)
        {
            fixed (float* pdy = dy, pdx = dx)
            fixed (int* pi = argmax)
                for (int p = 0; p < planes; p++)
                {
                    float* plane = pdx + (long)p * h * w, grad = pdy + (long)p * oh * ow;
                    int* where = pi + (long)p * oh * ow;
                    for (int i = 0; i < oh * ow; i++) plane[where[i]] += grad[i];
                }
            return;
        }
        for (int p = 0; p < planes; p++)
        {
            var plane = dx.Slice(p * h * w, h * w);
            for (int oy = 0; oy < oh; oy++)
                for (int ox = 0; ox < ow; ox++)
                {
                    int outIndex = (p * oh + oy) * ow + ox;
                    var (y0, y1, x0, x1, divisor) = Window(oy, ox, h, w, g);
                    float share = dy[outIndex] / divisor;
                    for (int iy = y0; iy < y1; iy++)
                        for (int ix = x0; ix < x1; ix++) plane[iy * w + ix] += share;
                }
        }
    }

    /// <summary>
    /// 2×2 average pooling with stride 2 (LeNet's), without the general window bookkeeping.
    /// </summary>
    private static void AveragePairs(ReadOnlySpan<float> x, int planes, int h, int w, int oh, int ow, Span<float> y)
    {
        for (int p = 0; p < planes; p++)
            for (int oy = 0; oy < oh; oy++)
            {
                var top = x.Slice((p * h + 2 * oy) * w, w);
                var bottom = x.Slice((p * h + 2 * oy + 1) * w, w);
                var outRow = y.Slice((p * oh + oy) * ow, ow);
                for (int ox = 0; ox < ow; ox++) outRow[ox] = 0.25f * (top[2 * ox] + top[2 * ox + 1] + bottom[2 * ox] + bottom[2 * ox + 1]);
            }
    }

    /// <summary>
    /// 2×2 max pooling with stride 2: the largest of four (the first on ties), and where it was. Written without
    /// branches on the data (which of four is largest is a coin toss the branch predictor loses, 5× slower): x − y has
    /// its sign bit set exactly when y &gt; x (equal values give +0).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void MaxPairs(ReadOnlySpan<float> x, int planes, int h, int w, int oh, int ow, Span<float> y, Span<int> argmax)
    {
        for (int p = 0; p < planes; p++)
        {
            var plane = x.Slice(p * h * w, h * w);
            for (int oy = 0; oy < oh; oy++)
            {
                var top = plane.Slice(2 * oy * w, w);
                var bottom = plane.Slice((2 * oy + 1) * w, w);
                var outRow = y.Slice((p * oh + oy) * ow, ow);
                var where = argmax.Slice((p * oh + oy) * ow, ow);
                for (int ox = 0; ox < ow; ox++)
                {
                    float a = top[2 * ox], b = top[2 * ox + 1], c = bottom[2 * ox], d = bottom[2 * ox + 1];
                    float upper = MathF.Max(a, b), lower = MathF.Max(c, d);
                    int right = SignBit(a - b), rightBelow = SignBit(c - d), below = SignBit(upper - lower);   // 1 when strictly greater
                    outRow[ox] = MathF.Max(upper, lower);
                    where[ox] = (2 * oy + below) * w + 2 * ox + right + below * (rightBelow - right);
                }
            }
        }
    }

    /// <summary>
    /// Max pooling of one plane with any window, stride and padding (ResNet's stem: 3×3, stride 2, padding 1): each
    /// window's first largest value (row-major order) and its flat index. Windows run 16 at a time in AVX-512 vectors
    /// (stride 1 or 2): those inside the image as plain loads, those the border clips with masked loads and a mask of the
    /// taps each lane has (the stem's first row and column were a third of its windows, and one window at a time took
    /// 27 ns: 5.5 ms of a ResNet-18 step's 5.8 in this layer). Planes narrower than 16 outputs, and other CPUs, compare
    /// one window at a time. (A branch per comparison mispredicted half the time; a branchless scalar chain was no faster.)
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void MaxWindows(float* plane, int h, int w, int oh, int ow, ConvGeometry g, float* y, int* argmax)
    {
        // Outputs whose windows lie inside the image: rows [rowFirst, rowEnd), columns [colFirst, colEnd).
        int rowFirst = Math.Min(oh, (g.PadH + g.StrideH - 1) / g.StrideH), rowEnd = Math.Max(rowFirst, Math.Min(oh, (h - g.KernelH + g.PadH) / g.StrideH + 1));
        int colFirst = Math.Min(ow, (g.PadW + g.StrideW - 1) / g.StrideW), colEnd = Math.Max(colFirst, Math.Min(ow, (w - g.KernelW + g.PadW) / g.StrideW + 1));
        bool vector = Avx512F.IsSupported && g.StrideW <= 2 && g.DilationH == 1 && g.DilationW == 1 && ow >= L;
        for (int oy = 0; oy < oh; oy++)
        {
            float* yRow = y + oy * ow;
            int* argmaxRow = argmax + oy * ow;
            if (!vector)
            {
                MaxWindowsScalar(plane, h, w, g, oy, 0, ow, yRow, argmaxRow);
                continue;
            }
            bool rowInside = oy >= rowFirst && oy < rowEnd;
            // Blocks of 16 outputs; the last block ends at ow, overlapping the one before (same values rewritten).
            for (int ox = 0; ox < ow; ox += L)
            {
                int at = Math.Min(ox, ow - L);
                if (rowInside && at >= colFirst && at + L <= colEnd) MaxWindows16(plane, w, g, oy, at, yRow, argmaxRow);
                else if (!MaxWindowsClipped16(plane, h, w, g, oy, at, yRow, argmaxRow)) MaxWindowsScalar(plane, h, w, g, oy, at, at + L, yRow, argmaxRow);
            }
        }
    }

    /// <summary>
    /// Sixteen windows of output row <paramref name="oy"/> from column <paramref name="ox0"/> that the image's border
    /// may clip: rows outside are skipped, columns outside are masked off the loads, and each lane takes its first tap
    /// inside, then any strictly larger one (as <see cref="MaxWindowsScalar"/>). False, with nothing written, if a
    /// window has no tap inside the image (the caller then compares one window at a time).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static bool MaxWindowsClipped16(float* plane, int h, int w, ConvGeometry g, int oy, int ox0, float* yRow, int* argmaxRow)
    {
        int s = g.StrideW, start = oy * g.StrideH - g.PadH, left = ox0 * s - g.PadW;
        int kyFirst = Math.Max(0, -start), kyEnd = Math.Min(g.KernelH, h - start);
        var lanes = Vector512.Create(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
        var strided = lanes * s;   // each lane's offset from lane 0's column
        var evens = Vector512.Create(0, 2, 4, 6, 8, 10, 12, 14, 17, 19, 21, 23, 25, 27, 29, 31);
        var width = Vector512.Create(w);
        Vector512<float> best = default;
        Vector512<int> where = default, found = default;
        for (int ky = kyFirst; ky < kyEnd; ky++)
            for (int kx = 0; kx < g.KernelW; kx++)
            {
                int first = left + kx, at = (start + ky) * w + first;   // the input column of lane 0, its flat index
                var columns = strided + Vector512.Create(first);
                var inside = Vector512.GreaterThanOrEqual(columns, Vector512<int>.Zero) & Vector512.LessThan(columns, width);
                Vector512<float> v;
                if (s == 1) v = Avx512F.MaskLoad(plane + at, inside.AsSingle(), Vector512<float>.Zero);
                else
                {
                    // Lane i is column first + 2i: raw columns first .. first + 15 and first + 15 .. first + 30, each
                    // loaded where inside the row, merged by taking every other one.
                    var low = Vector512.Create(first) + lanes;
                    var high = low + Vector512.Create(L - 1);
                    var lowInside = Vector512.GreaterThanOrEqual(low, Vector512<int>.Zero) & Vector512.LessThan(low, width);
                    var highInside = Vector512.GreaterThanOrEqual(high, Vector512<int>.Zero) & Vector512.LessThan(high, width);
                    v = Avx512F.PermuteVar16x32x2(Avx512F.MaskLoad(plane + at, lowInside.AsSingle(), Vector512<float>.Zero), evens,
                        Avx512F.MaskLoad(plane + at + L - 1, highInside.AsSingle(), Vector512<float>.Zero));
                }
                var take = inside & (~found | Vector512.GreaterThan(v, best).AsInt32());
                best = Vector512.ConditionalSelect(take.AsSingle(), v, best);
                where = Vector512.ConditionalSelect(take, Vector512.Create(at) + strided, where);
                found |= inside;
            }
        if (!Vector512.EqualsAll(found, Vector512<int>.AllBitsSet)) return false;
        best.Store(yRow + ox0);
        where.Store(argmaxRow + ox0);
        return true;
    }

    /// <summary>Sixteen interior windows of output row <paramref name="oy"/> from column <paramref name="ox0"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void MaxWindows16(float* plane, int w, ConvGeometry g, int oy, int ox0, float* yRow, int* argmaxRow)
    {
        int s = g.StrideW, start = oy * g.StrideH - g.PadH, left = ox0 * s - g.PadW;
        var lanes = Vector512.Create(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15) * s;
        // With stride 2 the lanes are every other float of 31: two loads, at and at + 15 (never past the window's last
        // input), merged by a permutation taking lane i from offset 2i.
        var evens = Vector512.Create(0, 2, 4, 6, 8, 10, 12, 14, 17, 19, 21, 23, 25, 27, 29, 31);
        Vector512<float> best = default;
        Vector512<int> where = default;
        for (int ky = 0; ky < g.KernelH; ky++)
            for (int kx = 0; kx < g.KernelW; kx++)
            {
                int at = (start + ky) * w + left + kx;
                var v = s == 1 ? Vector512.Load(plane + at) : Avx512F.PermuteVar16x32x2(Vector512.Load(plane + at), evens, Vector512.Load(plane + at + L - 1));
                var index = Vector512.Create(at) + lanes;
                if (ky == 0 && kx == 0) { best = v; where = index; continue; }
                var greater = Vector512.GreaterThan(v, best);
                best = Vector512.ConditionalSelect(greater, v, best);
                where = Vector512.ConditionalSelect(greater.AsInt32(), index, where);
            }
        best.Store(yRow + ox0);
        where.Store(argmaxRow + ox0);
    }

    /// <summary>Windows [ox0, ox1) of output row <paramref name="oy"/>, one at a time (the first largest wins).</summary>
    private static void MaxWindowsScalar(float* plane, int h, int w, ConvGeometry g, int oy, int ox0, int ox1, float* yRow, int* argmaxRow)
    {
        for (int ox = ox0; ox < ox1; ox++)
        {
            var (y0, y1, x0, x1, _) = Window(oy, ox, h, w, g);
            int best = y0 * w + x0;
            float bestValue = plane[best];
            for (int iy = y0; iy < y1; iy++)
                for (int i = iy * w + x0, end = iy * w + x1; i < end; i++)
                    if (plane[i] > bestValue) { bestValue = plane[i]; best = i; }
            yRow[ox] = bestValue;
            argmaxRow[ox] = best;
        }
    }

    private static int SignBit(float v) => (int)((uint)BitConverter.SingleToInt32Bits(v) >> 31);

    /// <summary>
    /// The gradient of <see cref="AveragePairs"/>: each output's gradient, quartered, to its four inputs. It writes every
    /// element of dx (zero in an odd last row or column, which no window covers), so dx need not be cleared first.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void SpreadPairs(ReadOnlySpan<float> dy, int planes, int h, int w, int oh, int ow, Span<float> dx)
    {
        for (int p = 0; p < planes; p++)
        {
            for (int oy = 0; oy < oh; oy++)
            {
                var top = dx.Slice((p * h + 2 * oy) * w, w);
                var bottom = dx.Slice((p * h + 2 * oy + 1) * w, w);
                var gradRow = dy.Slice((p * oh + oy) * ow, ow);
                for (int ox = 0; ox < ow; ox++)
                {
                    float v = 0.25f * gradRow[ox];
                    top[2 * ox] = v; top[2 * ox + 1] = v; bottom[2 * ox] = v; bottom[2 * ox + 1] = v;
                }
                top[(2 * ow)..].Clear();
                bottom[(2 * ow)..].Clear();
            }
            dx.Slice((p * h + 2 * oh) * w, (h - 2 * oh) * w).Clear();
        }
    }

    /// <summary>True when <see cref="Backward"/> writes every element of dx, so that dx may start uninitialized.</summary>
    public static bool BackwardOverwrites(bool max, ConvGeometry g, int h, int w, bool ceil) =>
        !max && IsPairs(g, h, w, g.OutH(h, ceil), g.OutW(w, ceil));

    private static bool IsPairs(ConvGeometry g, int h, int w, int oh, int ow) =>
        g is { KernelH: 2, KernelW: 2, StrideH: 2, StrideW: 2, PadH: 0, PadW: 0 } && oh * 2 <= h && ow * 2 <= w;

    /// <summary>The window's rows [y0, y1) and columns [x0, x1) inside the input, and its size inside the padded input.</summary>
    private static (int Y0, int Y1, int X0, int X1, int Divisor) Window(int oy, int ox, int h, int w, ConvGeometry g)
    {
        int ys = oy * g.StrideH - g.PadH, xs = ox * g.StrideW - g.PadW;
        int ye = Math.Min(ys + g.KernelH, h + g.PadH), xe = Math.Min(xs + g.KernelW, w + g.PadW);
        int divisor = (ye - ys) * (xe - xs);
        return (Math.Max(ys, 0), Math.Min(ye, h), Math.Max(xs, 0), Math.Min(xe, w), divisor);
    }
}
