using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Sprout.Kernels;

/// <summary>
/// Direct convolution for layers with few input channels and a small kernel (a network's first layer, such as
/// LeNet's 1→6 5×5): im2col would copy each input element C·kh·kw times into a matrix whose GEMM has a tiny inner
/// dimension, so it is memory-bound. Here each sample's planes are copied once into a zero-padded scratch, and output
/// rows are computed 32 columns at a time in two 512-bit registers: the forward pass accumulates taps × weights, the
/// weight gradient accumulates dY rows × shifted input rows. Stride 1, dilation 1, one group; the caller checks
/// <see cref="Applies"/> and falls back to im2col otherwise.
/// </summary>
internal static class DirectConvolution
{
    private const int Columns = 32;          // output columns per pass: two Vector512<float>
    private const int MaxKernelRows = 64;    // C·kh·kw above this is left to im2col + GEMM

    [ThreadStatic] private static float[]? t_input, t_gradient;

    public static bool Applies(Convolution.Problem p) =>
        Vector512.IsHardwareAccelerated && p.Groups == 1 && p.KernelRows <= MaxKernelRows &&
        p.Geometry is { StrideH: 1, StrideW: 1, DilationH: 1, DilationW: 1 };

    /// <summary>y (N, O, Ho, Wo) = x (N, C, H, W) ⋆ w (O, C, kh, kw), without bias.</summary>
    public static unsafe void Forward(Convolution.Problem p, float[] x, int xOffset, float[] w, int wOffset, float[] y)
    {
        var layout = new Layout(p);
        int parts = Math.Min(p.N, Threads.Count * 4);
        WorkerPool.For(parts, part => ForwardSamples(p, layout, Samples(p.N, part, parts), x, xOffset, w, wOffset, y));
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void ForwardSamples(Convolution.Problem p, Layout layout, (int Start, int End) samples, float[] x, int xOffset, float[] w, int wOffset, float[] y)
    {
        var padded = Convolution.Buffer(ref t_input, layout.InputLength);
        var row = stackalloc float[Columns];
        var shape = new Kernel(p);
        int outH = layout.OutH, outW = layout.OutW, planeSize = p.C * p.H * p.W;
        fixed (float* xp = padded, wp = &w[wOffset], yp = y)
            for (int n = samples.Start; n < samples.End; n++)
            {
                layout.Pad(x, xOffset + n * planeSize, p.C, p.H, p.W, p.Geometry.PadH, p.Geometry.PadW, padded);
                float* sampleEnd = yp + (long)(n + 1) * p.O * outH * outW;
                for (int o = 0; o < p.O; o++)
                    for (int oy = 0; oy < outH; oy++)
                    {
                        float* output = yp + ((long)(n * p.O + o) * outH + oy) * outW;
                        for (int c0 = 0; c0 < outW; c0 += Columns)
                        {
                            var (a0, a1) = Taps(shape, layout.PaddedH, layout.PaddedW, xp, wp + o * shape.Rows, oy, c0);
                            // A short last block may spill into the following rows of this sample, which this thread
                            // writes later; it must not reach past the sample (another thread's).
                            bool maySpill = output + c0 + Columns <= sampleEnd;
                            Store(a0, a1, output + c0, maySpill ? Columns : Math.Min(Columns, outW - c0), row);
                        }
                    }
            }
    }

    /// <summary>dw (O, C, kh, kw) = Σ over samples and pixels of dy (N, O, Ho, Wo) × the input under each tap.</summary>
    public static unsafe void WeightGradient(Convolution.Problem p, float[] x, int xOffset, float[] dy, int dyOffset, float[] dw)
    {
        var layout = new Layout(p);
        int parts = Math.Min(p.N, Threads.Count * 4), length = p.O * p.KernelRows;
        var partial = new float[parts * length];
        WorkerPool.For(parts, part => GradientSamples(p, layout, Samples(p.N, part, parts), x, xOffset, dy, dyOffset, partial, part * length));
        var target = dw.AsSpan(0, length);
        target.Clear();
        for (int part = 0; part < parts; part++) TensorPrimitives.Add(target, partial.AsSpan(part * length, length), target);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void GradientSamples(Convolution.Problem p, Layout layout, (int Start, int End) samples, float[] x, int xOffset,
        float[] dy, int dyOffset, float[] partial, int partialOffset)
    {
        var padded = Convolution.Buffer(ref t_input, layout.InputLength);
        var gradient = Convolution.Buffer(ref t_gradient, p.O * layout.OutH * layout.BlockWidth);
        var shape = new Kernel(p);
        int planeSize = p.C * p.H * p.W, gradientPlane = layout.OutH * layout.BlockWidth;
        fixed (float* xp = padded, gp = gradient, dp = &partial[partialOffset])
            for (int n = samples.Start; n < samples.End; n++)
            {
                layout.Pad(x, xOffset + n * planeSize, p.C, p.H, p.W, p.Geometry.PadH, p.Geometry.PadW, padded);
                layout.PadRows(dy, dyOffset + n * p.O * layout.OutH * layout.OutW, p.O, gradient);
                for (int o = 0; o < p.O; o++)
                    for (int tap = 0; tap < shape.Rows; tap++)
                        dp[o * shape.Rows + tap] += Correlate(shape, layout.OutH, layout.PaddedH, layout.PaddedW, layout.BlockWidth, xp, gp + o * gradientPlane, tap);
            }
    }

    /// <summary>The kernel's sizes, copied out of the problem record once per call.</summary>
    private readonly struct Kernel(Convolution.Problem p)
    {
        public readonly int C = p.C, KH = p.Geometry.KernelH, KW = p.Geometry.KernelW, Rows = p.KernelRows;
    }

    /// <summary>One output row block: Σ over (c, ky, kx) of w[c, ky, kx] × the padded input shifted by (ky, kx).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe (Vector512<float>, Vector512<float>) Taps(Kernel k, int paddedH, int paddedW, float* x, float* w, int oy, int c0)
    {
        // Two chains per half (even and odd taps) hide the FMA latency.
        Vector512<float> a0 = default, a1 = default, b0 = default, b1 = default;
        int kh = k.KH, kw = k.KW, tap = 0;
        for (int c = 0; c < k.C; c++)
            for (int ky = 0; ky < kh; ky++)
            {
                float* source = x + (c * paddedH + oy + ky) * paddedW + c0;
                int kx = 0;
                for (; kx + 1 < kw; kx += 2, tap += 2)
                {
                    var even = Vector512.Create(w[tap]);
                    var odd = Vector512.Create(w[tap + 1]);
                    a0 = Vector512.FusedMultiplyAdd(Vector512.Load(source + kx), even, a0);
                    a1 = Vector512.FusedMultiplyAdd(Vector512.Load(source + kx + 16), even, a1);
                    b0 = Vector512.FusedMultiplyAdd(Vector512.Load(source + kx + 1), odd, b0);
                    b1 = Vector512.FusedMultiplyAdd(Vector512.Load(source + kx + 17), odd, b1);
                }
                if (kx < kw)
                {
                    var weight = Vector512.Create(w[tap++]);
                    a0 = Vector512.FusedMultiplyAdd(Vector512.Load(source + kx), weight, a0);
                    a1 = Vector512.FusedMultiplyAdd(Vector512.Load(source + kx + 16), weight, a1);
                }
            }
        return (a0 + b0, a1 + b1);
    }

    /// <summary>Σ over output pixels of dY[o] × the padded input under tap (c, ky, kx); dY's rows are zero past Wo.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe float Correlate(Kernel k, int outH, int paddedH, int paddedW, int blockWidth, float* x, float* dy, int tap)
    {
        int kk = k.KH * k.KW;
        int c = tap / kk, ky = tap % kk / k.KW, kx = tap % k.KW;
        Vector512<float> a0 = default, a1 = default, b0 = default, b1 = default;   // two rows at a time: four chains
        int oy = 0;
        for (; oy + 1 < outH; oy += 2)
        {
            float* source = x + (c * paddedH + oy + ky) * paddedW + kx;
            float* gradient = dy + oy * blockWidth;
            for (int c0 = 0; c0 < blockWidth; c0 += Columns)
            {
                a0 = Vector512.FusedMultiplyAdd(Vector512.Load(gradient + c0), Vector512.Load(source + c0), a0);
                a1 = Vector512.FusedMultiplyAdd(Vector512.Load(gradient + c0 + 16), Vector512.Load(source + c0 + 16), a1);
                b0 = Vector512.FusedMultiplyAdd(Vector512.Load(gradient + blockWidth + c0), Vector512.Load(source + paddedW + c0), b0);
                b1 = Vector512.FusedMultiplyAdd(Vector512.Load(gradient + blockWidth + c0 + 16), Vector512.Load(source + paddedW + c0 + 16), b1);
            }
        }
        if (oy < outH)
        {
            float* source = x + (c * paddedH + oy + ky) * paddedW + kx;
            float* gradient = dy + oy * blockWidth;
            for (int c0 = 0; c0 < blockWidth; c0 += Columns)
            {
                a0 = Vector512.FusedMultiplyAdd(Vector512.Load(gradient + c0), Vector512.Load(source + c0), a0);
                a1 = Vector512.FusedMultiplyAdd(Vector512.Load(gradient + c0 + 16), Vector512.Load(source + c0 + 16), a1);
            }
        }
        return Vector512.Sum((a0 + a1) + (b0 + b1));
    }

    private static unsafe void Store(Vector512<float> a0, Vector512<float> a1, float* output, int count, float* row)
    {
        if (count == Columns) { a0.Store(output); a1.Store(output + 16); return; }
        a0.Store(row);
        a1.Store(row + 16);
        new ReadOnlySpan<float>(row, count).CopyTo(new Span<float>(output, count));
    }

    private static (int Start, int End) Samples(int n, int part, int parts) => (n * part / parts, n * (part + 1) / parts);

    /// <summary>
    /// The scratch layout: each input plane zero-padded to PaddedH rows of PaddedW columns, wide enough that every
    /// 32-column block of every output row can read its taps without bounds checks; dY rows padded to BlockWidth.
    /// </summary>
    private readonly struct Layout(Convolution.Problem p)
    {
        public readonly int OutH = p.OutH, OutW = p.OutW;
        public readonly int BlockWidth = (p.OutW + Columns - 1) / Columns * Columns;
        public readonly int PaddedH = p.OutH + p.Geometry.KernelH - 1;
        public readonly int PaddedW = (p.OutW + Columns - 1) / Columns * Columns + p.Geometry.KernelW - 1;
        public int InputLength => p.C * PaddedH * PaddedW;

        public void Pad(float[] x, int offset, int channels, int h, int w, int padH, int padW, float[] padded)
        {
            Array.Clear(padded, 0, channels * PaddedH * PaddedW);
            for (int c = 0; c < channels; c++)
                for (int iy = 0; iy < h && iy + padH < PaddedH; iy++)
                {
                    int count = Math.Min(w, PaddedW - padW);
                    x.AsSpan(offset + (c * h + iy) * w, count).CopyTo(padded.AsSpan((c * PaddedH + iy + padH) * PaddedW + padW, count));
                }
        }

        public void PadRows(float[] dy, int offset, int planes, float[] padded)
        {
            for (int r = 0; r < planes * OutH; r++)
            {
                dy.AsSpan(offset + r * OutW, OutW).CopyTo(padded.AsSpan(r * BlockWidth, OutW));
                padded.AsSpan(r * BlockWidth + OutW, BlockWidth - OutW).Clear();
            }
        }
    }
}
