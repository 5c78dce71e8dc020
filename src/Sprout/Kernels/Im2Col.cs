using System.Runtime.CompilerServices;
namespace Sprout.Kernels;

/// <summary>
/// Lowers convolution to GEMM. im2col unfolds the windows of x (N, C, H, W) into columns: row (c, i, j) of the
/// (C·kh·kw) × (N·Ho·Wo) matrix holds, for every output position, the input value under kernel tap (i, j) of
/// channel c (0 in the padding). col2im is its adjoint: it adds every column entry back to the input position it came
/// from, which is the gradient of im2col. Rows are independent, so both split over the worker threads.
/// </summary>
internal static class Im2Col
{
    public static void Unfold(float[] x, int xOffset, int n, int c, int h, int w, ConvGeometry g, float[] cols)
    {
        int oh = g.OutH(h), ow = g.OutW(w), rows = c * g.KernelH * g.KernelW;
        WorkerPool.ForEach(rows, (long)rows * n * oh * ow, [MethodImpl(MethodImplOptions.AggressiveOptimization)] (row) =>
        {
            var (ch, ki, kj) = Tap(row, g);
            var dst = cols.AsSpan(row * n * oh * ow, n * oh * ow);
            for (int s = 0; s < n; s++)
            {
                var plane = x.AsSpan(xOffset + (s * c + ch) * h * w, h * w);
                for (int y = 0; y < oh; y++)
                {
                    var outRow = dst.Slice((s * oh + y) * ow, ow);
                    int iy = y * g.StrideH - g.PadH + ki * g.DilationH;
                    if ((uint)iy >= (uint)h) { outRow.Clear(); continue; }
                    var inRow = plane.Slice(iy * w, w);
                    var (first, last) = ValidColumns(ow, w, kj, g);
                    if (first > 0) outRow[..Math.Min(first, ow)].Clear();
                    if (last > first)
                    {
                        int ix0 = first * g.StrideW - g.PadW + kj * g.DilationW;
                        if (g.StrideW == 1) inRow.Slice(ix0, last - first).CopyTo(outRow[first..last]);
                        else for (int xo = first; xo < last; xo++) outRow[xo] = inRow[ix0 + (xo - first) * g.StrideW];
                    }
                    if (last < ow) outRow[Math.Max(last, 0)..].Clear();
                }
            }
        });
    }

    /// <summary>
    /// The transpose of <see cref="Unfold"/> ("im2row"): row (s, y, x) of the (N·Ho·Wo) × (C·kh·kw) matrix holds the
    /// window under output position (y, x) of sample s. The weight gradient dW = dY·rows then needs no transposed operand.
    /// </summary>
    public static void UnfoldRows(float[] x, int xOffset, int n, int c, int h, int w, ConvGeometry g, float[] rows)
    {
        int oh = g.OutH(h), ow = g.OutW(w), k = c * g.KernelH * g.KernelW;
        WorkerPool.ForEach(n * oh, (long)n * oh * ow * k, [MethodImpl(MethodImplOptions.AggressiveOptimization)] (sy) =>
        {
            int s = sy / oh, y = sy % oh;
            for (int ch = 0; ch < c; ch++)
            {
                var plane = x.AsSpan(xOffset + (s * c + ch) * h * w, h * w);
                for (int ki = 0; ki < g.KernelH; ki++)
                {
                    int iy = y * g.StrideH - g.PadH + ki * g.DilationH;
                    int tapOffset = (ch * g.KernelH + ki) * g.KernelW;
                    var block = rows.AsSpan((s * oh + y) * ow * k, ow * k);
                    if ((uint)iy >= (uint)h)
                    {
                        for (int xo = 0; xo < ow; xo++) block.Slice(xo * k + tapOffset, g.KernelW).Clear();
                        continue;
                    }
                    var inRow = plane.Slice(iy * w, w);
                    // Taps of one kernel row are a few values: plain loops, no per-call overhead.
                    for (int xo = 0; xo < ow; xo++)
                    {
                        int ix0 = xo * g.StrideW - g.PadW, at = xo * k + tapOffset;
                        for (int kj = 0; kj < g.KernelW; kj++)
                        {
                            int ix = ix0 + kj * g.DilationW;
                            block[at + kj] = (uint)ix < (uint)w ? inRow[ix] : 0f;
                        }
                    }
                }
            }
        });
    }

    public static void Fold(float[] cols, int n, int c, int h, int w, ConvGeometry g, float[] dx, int dxOffset)
    {
        int oh = g.OutH(h), ow = g.OutW(w);
        // Different taps of one channel write to the same input pixels, so split by channel, not by row.
        WorkerPool.ForEach(c, (long)c * g.KernelH * g.KernelW * n * oh * ow, [MethodImpl(MethodImplOptions.AggressiveOptimization)] (ch) =>
        {
            for (int ki = 0; ki < g.KernelH; ki++)
                for (int kj = 0; kj < g.KernelW; kj++)
                {
                    int row = (ch * g.KernelH + ki) * g.KernelW + kj;
                    var src = cols.AsSpan(row * n * oh * ow, n * oh * ow);
                    for (int s = 0; s < n; s++)
                    {
                        var plane = dx.AsSpan(dxOffset + (s * c + ch) * h * w, h * w);
                        for (int y = 0; y < oh; y++)
                        {
                            int iy = y * g.StrideH - g.PadH + ki * g.DilationH;
                            if ((uint)iy >= (uint)h) continue;
                            var inRow = plane.Slice(iy * w, w);
                            var colRow = src.Slice((s * oh + y) * ow, ow);
                            var (first, last) = ValidColumns(ow, w, kj, g);
                            if (last <= first) continue;
                            int ix0 = first * g.StrideW - g.PadW + kj * g.DilationW;
                            // Rows are short (tens of values): a plain loop beats a vectorized call's overhead here.
                            for (int xo = first; xo < last; xo++) inRow[ix0 + (xo - first) * g.StrideW] += colRow[xo];
                        }
                    }
                }
        });
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
}
