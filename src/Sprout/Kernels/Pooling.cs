using System.Runtime.CompilerServices;
namespace Sprout.Kernels;

/// <summary>
/// Max and average pooling over each (H, W) plane, one core for both (they differ only in how a window is reduced
/// and how its gradient is spread). Max records the flat index of each window's maximum for backward; average divides
/// by the number of window positions inside the padded input (PyTorch's count_include_pad).
/// </summary>
internal static class Pooling
{
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
        for (int p = 0; p < planes; p++)
        {
            var plane = x.Slice(p * h * w, h * w);
            for (int oy = 0; oy < oh; oy++)
                for (int ox = 0; ox < ow; ox++)
                {
                    var (y0, y1, x0, x1, divisor) = Window(oy, ox, h, w, g);
                    int outIndex = (p * oh + oy) * ow + ox;
                    if (max)
                    {
                        int best = -1;
                        float bestValue = float.NegativeInfinity;
                        for (int iy = y0; iy < y1; iy++)
                            for (int ix = x0; ix < x1; ix++)
                                if (plane[iy * w + ix] > bestValue || best < 0) { bestValue = plane[iy * w + ix]; best = iy * w + ix; }
                        y[outIndex] = bestValue;
                        argmax[outIndex] = best;
                    }
                    else
                    {
                        float sum = 0;
                        for (int iy = y0; iy < y1; iy++)
                            for (int ix = x0; ix < x1; ix++) sum += plane[iy * w + ix];
                        y[outIndex] = sum / divisor;
                    }
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
        for (int p = 0; p < planes; p++)
        {
            var plane = dx.Slice(p * h * w, h * w);
            for (int oy = 0; oy < oh; oy++)
                for (int ox = 0; ox < ow; ox++)
                {
                    int outIndex = (p * oh + oy) * ow + ox;
                    if (max) { plane[argmax[outIndex]] += dy[outIndex]; continue; }
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
