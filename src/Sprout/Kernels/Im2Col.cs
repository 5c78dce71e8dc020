using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Sprout.Kernels;

/// <summary>
/// Lowers convolution to GEMM. im2col unfolds the windows of x (N, C, H, W) into columns: row (c, i, j) of the
/// (C·kh·kw) × (N·Ho·Wo) matrix holds, for every output position, the input value under kernel tap (i, j) of
/// channel c (0 in the padding). col2im is its adjoint: it adds every column entry back to the input position it came
/// from, which is the gradient of im2col. Rows are independent, so both split over the worker threads.
/// Both walk one output row (Wo values) at a time with raw pointers: a ResNet layer has hundreds of thousands of short
/// rows (3 to 48 values), where a span's slicing and clearing per row had cost more than the copy itself. Small planes
/// under a stride-1 "same" convolution go whole planes at a time instead (<see cref="ShiftMasks"/>).
/// </summary>
internal static unsafe class Im2Col
{
    /// <summary>Whether shifted planes and stride-2 permutes are used where they apply (benchmarks compare the scalar paths).</summary>
    internal static bool Vectorized { get; set; } = true;

    public static void Unfold(float[] x, int xOffset, int n, int c, int h, int w, ConvGeometry g, float[] cols)
    {
        int oh = g.OutH(h), ow = g.OutW(w), rows = c * g.KernelH * g.KernelW;
        var shifts = ShiftMasks.For(h, w, g);
        WorkerPool.ForEach(rows, (long)rows * n * oh * ow, row =>
        {
            fixed (float* px = x, pc = cols)
                if (shifts is null) UnfoldRow(px + xOffset, n, c, h, w, g, row, pc + (long)row * n * oh * ow);
                else UnfoldShifted(px + xOffset, n, c, shifts, row, pc + (long)row * n * oh * ow);
        });
    }

    /// <summary>
    /// Row (channel, ki, kj) of the im2col matrix of a small plane under a stride-1 "same" convolution: each sample's
    /// plane is the input plane shifted by one offset, the pixels whose window leaves the image zeroed — a masked
    /// load per 16 pixels (lanes outside the plane are neither read nor written).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void UnfoldShifted(float* x, int n, int c, ShiftMasks shifts, int row, float* dst)
    {
        int plane = shifts.Plane, vectors = shifts.Vectors, tap = row % shifts.Taps, last = vectors - 1;
        int channel = row / shifts.Taps, shift = shifts.Shift(tap);
        fixed (uint* gather = shifts.Gather)
        {
            uint* masks = gather + (long)tap * vectors * ShiftMasks.Lanes;
            for (int s = 0; s < n; s++, dst += plane)
            {
                float* src = x + (long)(s * c + channel) * plane + shift;
                for (int v = 0; v < last; v++)
                    Vector512.Store(Avx512F.MaskLoad(src + v * ShiftMasks.Lanes, Mask(masks, v), Vector512<float>.Zero), dst + v * ShiftMasks.Lanes);
                var tail = Avx512F.MaskLoad(src + last * ShiftMasks.Lanes, Mask(masks, last), Vector512<float>.Zero);
                Avx512F.MaskStore(dst + last * ShiftMasks.Lanes, shifts.TailMask, tail);
            }
        }
    }

    /// <summary>
    /// col2im of one channel of a small plane under a stride-1 "same" convolution: each input pixel gathers its taps'
    /// column entries (the column rows shifted back), added in tap order as <see cref="FoldChannel"/> adds them.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void FoldShifted(float* cols, int n, ShiftMasks shifts, int c, int ch, float* dx)
    {
        int plane = shifts.Plane, vectors = shifts.Vectors, taps = shifts.Taps;
        long rowLength = (long)n * plane;
        fixed (uint* scatter = shifts.Scatter)
            for (int s = 0; s < n; s++)
            {
                float* target = dx + (long)(s * c + ch) * plane;
                float* samples = cols + (long)ch * taps * rowLength + (long)s * plane;
                for (int v = 0; v < vectors; v++)
                {
                    int at = v * ShiftMasks.Lanes;
                    bool tail = v == vectors - 1;
                    var sum = tail ? Avx512F.MaskLoad(target + at, shifts.TailMask, Vector512<float>.Zero) : Vector512.Load(target + at);
                    for (int t = 0; t < taps; t++)
                        sum += Avx512F.MaskLoad(samples + t * rowLength - shifts.Shift(t) + at, Mask(scatter + (long)t * vectors * ShiftMasks.Lanes, v), Vector512<float>.Zero);
                    if (tail) Avx512F.MaskStore(target + at, shifts.TailMask, sum);
                    else Vector512.Store(sum, target + at);
                }
            }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> Mask(uint* masks, int vector) => Vector512.Load(masks + vector * ShiftMasks.Lanes).AsSingle();

    /// <summary>Row (channel, ki, kj) of the im2col matrix: for each sample and output row, zeros, a run of the input row, zeros.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void UnfoldRow(float* x, int n, int c, int h, int w, ConvGeometry g, int row, float* dst)
    {
        int oh = g.OutH(h), ow = g.OutW(w);
        var (ch, ki, kj) = Tap(row, g);
        var (first, last) = ValidColumns(ow, w, kj, g);
        int ix0 = first * g.StrideW - g.PadW + kj * g.DilationW, sw = g.StrideW;
        for (int s = 0; s < n; s++)
        {
            float* plane = x + (long)(s * c + ch) * h * w;
            for (int y = 0; y < oh; y++, dst += ow)
            {
                int iy = y * g.StrideH - g.PadH + ki * g.DilationH;
                if ((uint)iy >= (uint)h) { Zero(dst, ow); continue; }
                Zero(dst, first);
                if (sw == 1) Copy(plane + iy * w + ix0, dst + first, last - first);
                else if (sw == 2 && Vectorized && Avx512F.IsSupported) CopyEveryOther(plane + iy * w + ix0, dst + first, last - first);
                else for (int xo = first, ix = iy * w + ix0; xo < last; xo++, ix += sw) dst[xo] = plane[ix];
                Zero(dst + last, ow - last);
            }
        }
    }

    public static void Fold(float[] cols, int n, int c, int h, int w, ConvGeometry g, float[] dx, int dxOffset)
    {
        // Different taps of one channel write to the same input pixels, so split by channel, not by row.
        var shifts = ShiftMasks.For(h, w, g);
        WorkerPool.ForEach(c, (long)c * g.KernelH * g.KernelW * n * g.OutH(h) * g.OutW(w), ch =>
        {
            fixed (float* pc = cols, pdx = dx)
                if (shifts is null) FoldChannel(pc, n, c, h, w, g, ch, pdx + dxOffset);
                else FoldShifted(pc, n, shifts, c, ch, pdx + dxOffset);
        });
    }

    /// <summary>Adds the im2col rows of channel <paramref name="ch"/> back onto its input planes.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void FoldChannel(float* cols, int n, int c, int h, int w, ConvGeometry g, int ch, float* dx)
    {
        int oh = g.OutH(h), ow = g.OutW(w), sw = g.StrideW;
        for (int ki = 0; ki < g.KernelH; ki++)
            for (int kj = 0; kj < g.KernelW; kj++)
            {
                int row = (ch * g.KernelH + ki) * g.KernelW + kj;
                var (first, last) = ValidColumns(ow, w, kj, g);
                if (last <= first) continue;
                int ix0 = first * sw - g.PadW + kj * g.DilationW;
                float* src = cols + (long)row * n * oh * ow;
                for (int s = 0; s < n; s++)
                {
                    float* plane = dx + (long)(s * c + ch) * h * w;
                    for (int y = 0; y < oh; y++, src += ow)
                    {
                        int iy = y * g.StrideH - g.PadH + ki * g.DilationH;
                        if ((uint)iy >= (uint)h) continue;
                        float* inRow = plane + iy * w + ix0;
                        if (sw == 1) AddTo(src + first, inRow, last - first);
                        else if (sw == 2 && Vectorized && Avx512F.IsSupported) AddToEveryOther(src + first, inRow, last - first);
                        else for (int xo = first; xo < last; xo++, inRow += sw) *inRow += src[xo];
                    }
                }
            }
    }

    /// <summary>The output columns [first, last) whose input column for kernel tap <paramref name="kj"/> lies inside the image.</summary>
    private static (int First, int Last) ValidColumns(int ow, int w, int kj, ConvGeometry g)
    {
        int offset = kj * g.DilationW - g.PadW;                        // ix = xo·s + offset
        int first = offset >= 0 ? 0 : (-offset + g.StrideW - 1) / g.StrideW;
        int last = w - 1 - offset < 0 ? 0 : Math.Min(ow, (w - 1 - offset) / g.StrideW + 1);
        return (Math.Min(first, ow), Math.Max(last, Math.Min(first, ow)));
    }

    private static (int Channel, int I, int J) Tap(int row, ConvGeometry g) =>
        (row / (g.KernelH * g.KernelW), row / g.KernelW % g.KernelH, row % g.KernelW);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Zero(float* dst, int count)
    {
        int i = 0;
        for (; i + Vector256<float>.Count <= count; i += Vector256<float>.Count) Vector256.Store(Vector256<float>.Zero, dst + i);
        for (; i < count; i++) dst[i] = 0f;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Copy(float* src, float* dst, int count)
    {
        int i = 0;
        for (; i + Vector256<float>.Count <= count; i += Vector256<float>.Count) Vector256.Store(Vector256.Load(src + i), dst + i);
        for (; i < count; i++) dst[i] = src[i];
    }

    /// <summary>
    /// dst[k] = src[2k], k &lt; count (a stride-2 window row): 32 source values, loaded masked so that nothing past the
    /// last one is read, give 16 results in one two-source permute.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void CopyEveryOther(float* src, float* dst, int count)
    {
        var evens = Vector512.Create(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
        var lanes = Vector512.Create(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
        for (int k = 0; k < count; k += 16, src += 32)
        {
            int results = Math.Min(16, count - k), span = 2 * results - 1;
            var low = Avx512F.MaskLoad(src, Vector512.LessThan(lanes, Vector512.Create(span)).AsSingle(), Vector512<float>.Zero);
            var high = Avx512F.MaskLoad(src + 16, Vector512.LessThan(lanes, Vector512.Create(span - 16)).AsSingle(), Vector512<float>.Zero);
            var picked = Avx512F.PermuteVar16x32x2(low, evens, high);
            if (results == 16) Vector512.Store(picked, dst + k);
            else Avx512F.MaskStore(dst + k, Vector512.LessThan(lanes, Vector512.Create(results)).AsSingle(), picked);
        }
    }

    /// <summary>dst[2k] += src[k], k &lt; count (col2im of a stride-2 row): the odd positions between are not written.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void AddToEveryOther(float* src, float* dst, int count)
    {
        var lowHalf = Vector512.Create(0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7);
        var highHalf = Vector512.Create(8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13, 14, 14, 15, 15);
        var lanes = Vector512.Create(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
        var even = Vector512.Equals(lanes & Vector512<int>.One, Vector512<int>.Zero);
        for (int k = 0; k < count; k += 16, dst += 32)
        {
            int values = Math.Min(16, count - k), span = 2 * values - 1;
            var v = Avx512F.MaskLoad(src + k, Vector512.LessThan(lanes, Vector512.Create(values)).AsSingle(), Vector512<float>.Zero);
            var low = even & Vector512.LessThan(lanes, Vector512.Create(span));
            var high = even & Vector512.LessThan(lanes, Vector512.Create(span - 16));
            Avx512F.MaskStore(dst, low.AsSingle(), Avx512F.MaskLoad(dst, low.AsSingle(), Vector512<float>.Zero) + Avx512F.PermuteVar16x32(v, lowHalf));
            Avx512F.MaskStore(dst + 16, high.AsSingle(), Avx512F.MaskLoad(dst + 16, high.AsSingle(), Vector512<float>.Zero) + Avx512F.PermuteVar16x32(v, highHalf));
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void AddTo(float* src, float* dst, int count)
    {
        int i = 0;
        for (; i + Vector256<float>.Count <= count; i += Vector256<float>.Count)
            Vector256.Store(Vector256.Load(dst + i) + Vector256.Load(src + i), dst + i);
        for (; i < count; i++) dst[i] += src[i];
    }
}
