using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Sprout.Kernels;

/// <summary>
/// Direct convolution for small images (at most 32 columns, as in LeNet): im2col there copies each input element
/// C·kh·kw times into a matrix whose GEMM is thin (few output channels, or an inner dimension of a few channels for the
/// input gradient), so it is memory-bound. Here each sample's planes are copied once into a zero-padded scratch, and a
/// register-blocked kernel computes 8 output channels × 2 output rows × 16 columns at a time (16 accumulators): every
/// input vector it loads is used 8 times, every broadcast weight twice. A last block of 6 or fewer channels (LeNet's 6
/// outputs, or the 6 inputs its second layer's input gradient produces) runs a 6- or 4-channel instantiation instead,
/// so no FMAs go to padding channels (conv1 forward 53 → 62, conv2 input gradient 43 → 54 GFLOP/s on one core).
/// <list type="bullet">
/// <item>Forward: y = x ⋆ w.</item>
/// <item>Input gradient: dx = dy padded by (k − 1 − pad) ⋆ w flipped and transposed — the same kernel.</item>
/// <item>Weight gradient: 4 output channels' dy rows times an input row shifted by 5 consecutive taps (20 accumulators),
/// or 3 channels when that divides the channel count and 4 does not (LeNet's 6: 50 → 60 GFLOP/s on one core), kept as
/// vector partial sums per part of the batch and reduced in a fixed order at the end.</item>
/// </list>
/// Stride 1, dilation 1, one group, padding below the kernel size; the caller checks <see cref="Applies"/> and falls
/// back to im2col otherwise.
/// </summary>
internal static unsafe partial class DirectConvolution
{
    private const int Lanes = 16;        // floats in a Vector512
    private const int Block = 8;         // output channels per kernel call
    private const int MaxVectors = 2;    // images up to 32 columns wide
    private const int TapRun = 5;        // taps along a kernel row per weight-gradient kernel call

    [ThreadStatic] private static float[]? t_input, t_output, t_partials;

    /// <summary>
    /// Whether the direct kernels suit <paramref name="p"/>: stride 1, no dilation, one group, images at most 32 wide, and
    /// rows of at least <see cref="MinOutputWidth"/> outputs — each output row fills 16-lane vectors, so a 3-wide row
    /// (a late ResNet layer) would leave 13 of 16 lanes idle, where im2col's GEMM keeps them all busy — and at most
    /// <see cref="MaxChannels"/> channels in and out: with ResNet's 64 and 128 the GEMM is no longer thin, and im2col won
    /// every pass (one core, batch 32, % of peak: 64 channels at 24×24 forward 57 / 59, dX 68 / 58, dW 58 / 36; 128 at
    /// 12×12 65 / 55, 73 / 53, 67 / 29, im2col / direct; <c>Sprout.Bench -- conv resnet</c>).
    /// </summary>
    public static bool Applies(Convolution.Problem p) =>
        Vector512.IsHardwareAccelerated && p.Groups == 1 && p.C <= MaxChannels && p.O <= MaxChannels &&
        p.Geometry is { StrideH: 1, StrideW: 1, DilationH: 1, DilationW: 1 } &&
        p.Geometry.PadH < p.Geometry.KernelH && p.Geometry.PadW < p.Geometry.KernelW &&
        Math.Max(p.W, p.OutW) <= Lanes * MaxVectors && p.OutW >= MinOutputWidth;

    /// <summary>Channels in or out above which the GEMM of im2col is wide enough to beat these kernels.</summary>
    private const int MaxChannels = 32;

    /// <summary>Output rows narrower than this go to im2col + GEMM (LeNet's second layer, 10 wide, stays direct).</summary>
    private const int MinOutputWidth = 8;

    /// <summary>y (N, O, Ho, Wo) = activation(x (N, C, H, W) ⋆ w (O, C, kh, kw) + bias (O), if any).</summary>
    public static void Forward(Convolution.Problem p, float[] x, int xOffset, float[] w, int wOffset, float[] y,
        float[]? bias = null, int biasOffset = 0, Pointwise activation = Pointwise.None)
    {
        var g = p.Geometry;
        var source = new Planes(p.C, p.H, p.W, g.PadH, g.PadW, p.OutH, p.OutW, g.KernelH, g.KernelW);
        var weights = PackForward(w, wOffset, p.O, p.C, g.KernelH, g.KernelW);
        var epilogue = new Epilogue(bias, biasOffset, activation);
        WorkerPool.ForEach(p.N, (long)p.N * p.O * p.Pixels * p.KernelRows, n => source.Correlate(x, xOffset + n * p.C * p.H * p.W, weights, p.O, y, n * p.O * p.Pixels, epilogue));
    }

    /// <summary>What is applied to each output plane before it is copied out: a per-channel bias, then an activation.</summary>
    private readonly record struct Epilogue(float[]? Bias, int BiasOffset, Pointwise Activation)
    {
        public void Apply(int channel, Span<float> plane)
        {
            if (Bias is not null) System.Numerics.Tensors.TensorPrimitives.Add(plane, Bias[BiasOffset + channel], plane);
            Activation.ApplyInPlace(plane);
        }
    }

    /// <summary>dx (N, C, H, W) = the correlation of dy (N, O, Ho, Wo), padded by k − 1 − pad, with w flipped and transposed.</summary>
    public static void InputGradient(Convolution.Problem p, float[] dy, int dyOffset, float[] w, int wOffset, float[] dx, int dxOffset)
    {
        var g = p.Geometry;
        int kh = g.KernelH, kw = g.KernelW;
        var source = new Planes(p.O, p.OutH, p.OutW, kh - 1 - g.PadH, kw - 1 - g.PadW, p.H, p.W, kh, kw);
        var weights = PackTransposedFlipped(w, wOffset, p.O, p.C, kh, kw);
        WorkerPool.ForEach(p.N, (long)p.N * p.O * p.Pixels * p.KernelRows, n => source.Correlate(dy, dyOffset + n * p.O * p.Pixels, weights, p.C, dx, dxOffset + n * p.C * p.H * p.W, default));
    }

    /// <summary>Weights as [block][tap][8]: for each tap (c, ky, kx), the weights of 8 consecutive output channels (zero past O).</summary>
    private static float[] PackForward(float[] w, int offset, int outputs, int channels, int kh, int kw)
    {
        int taps = channels * kh * kw, blocks = (outputs + Block - 1) / Block;
        var packed = new float[blocks * taps * Block];
        for (int o = 0; o < outputs; o++)
            for (int tap = 0; tap < taps; tap++)
                packed[((o / Block) * taps + tap) * Block + o % Block] = w[offset + o * taps + tap];
        return packed;
    }

    /// <summary>For the input gradient: output channel c, tap (o, ky, kx) holds w[o, c, kh − 1 − ky, kw − 1 − kx].</summary>
    private static float[] PackTransposedFlipped(float[] w, int offset, int outputs, int channels, int kh, int kw)
    {
        int kk = kh * kw, taps = outputs * kk, blocks = (channels + Block - 1) / Block;
        var packed = new float[blocks * taps * Block];
        for (int c = 0; c < channels; c++)
            for (int o = 0; o < outputs; o++)
                for (int ky = 0; ky < kh; ky++)
                    for (int kx = 0; kx < kw; kx++)
                        packed[((c / Block) * taps + o * kk + ky * kw + kx) * Block + c % Block] =
                            w[offset + ((o * channels + c) * kh + kh - 1 - ky) * kw + kw - 1 - kx];
        return packed;
    }

    /// <summary>
    /// One correlation's source planes and output: <see cref="Channels"/> planes of Height × Width, placed at
    /// (<see cref="Top"/>, <see cref="Left"/>) in a zero-padded scratch of <see cref="Rows"/> × <see cref="Columns"/>
    /// (one spare row, so output rows go in pairs, and room for every 16-column vector of every tap), read by a
    /// KH × KW kernel to give OutH × OutW outputs.
    /// </summary>
    private readonly partial struct Planes(int channels, int height, int width, int top, int left, int outH, int outW, int kh, int kw)
    {
        public readonly int Channels = channels, Height = height, Width = width, Top = top, Left = left;
        public readonly int OutH = outH, OutW = outW, KH = kh, KW = kw;
        public readonly int Vectors = (outW + Lanes - 1) / Lanes;
        public readonly int Rows = outH + kh;
        public readonly int Columns = (outW + Lanes - 1) / Lanes * Lanes + kw - 1;
        public int OutRow => Vectors * Lanes;

        /// <summary>out[n] (outputs, OutH, OutW) = the epilogue applied to this sample's planes ⋆ the packed weights.</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public void Correlate(float[] source, int sourceOffset, float[] weights, int outputs, float[] output, int outputOffset, Epilogue epilogue)
        {
            var padded = Convolution.Buffer(ref t_input, Channels * Rows * Columns);
            int blocks = (outputs + Block - 1) / Block, outPlane = (OutH + 1) * OutRow;
            var result = Convolution.Buffer(ref t_output, blocks * Block * outPlane);
            Pad(source, sourceOffset, padded);
            int taps = Channels * KH * KW;
            fixed (float* x = padded, wp = weights, r = result)
                for (int b = 0; b < blocks; b++)
                    for (int oy = 0; oy < OutH; oy += 2)
                    {
                        // Taps whose two rows both fall in the zero padding above or below the data add nothing.
                        int kyFrom = Math.Max(0, Top - oy - 1), kyTo = Math.Min(KH, Top + Height - oy);
                        // The last block may hold fewer channels: a kernel for 4 or 6 skips the padding ones.
                        int valid = Math.Min(Block, outputs - b * Block);
                        for (int v = 0; v < Vectors; v++)
                        {
                            float* xs = x + oy * Columns + v * Lanes, ws = wp + (long)b * taps * Block, rs = r + (long)b * Block * outPlane + oy * OutRow + v * Lanes;
                            if (valid > 6) Kernel<Eight>(xs, ws, rs, Channels, kyFrom, kyTo);
                            else if (valid > 4) Kernel<Six>(xs, ws, rs, Channels, kyFrom, kyTo);
                            else Kernel<Four>(xs, ws, rs, Channels, kyFrom, kyTo);
                        }
                    }
            for (int o = 0; o < outputs; o++)
            {
                epilogue.Apply(o, result.AsSpan(o * outPlane, OutH * OutRow));   // the columns past OutW are never copied out
                for (int oy = 0; oy < OutH; oy++)
                    result.AsSpan(o * outPlane + oy * OutRow, OutW).CopyTo(output.AsSpan(outputOffset + (o * OutH + oy) * OutW, OutW));
            }
        }

        /// <summary>
        /// TChannels (4, 6 or 8) output channels × output rows (oy, oy + 1) × 16 columns: Σ over taps of weight × shifted
        /// input. The channel count is a type argument, so each instantiation keeps only its own accumulators.
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private void Kernel<TChannels>(float* x, float* w, float* r, int channels, int kyFrom, int kyTo) where TChannels : struct, IChannelCount
        {
            int count = TChannels.Count;
            Vector512<float> a0 = default, a1 = default, a2 = default, a3 = default, a4 = default, a5 = default, a6 = default, a7 = default;
            Vector512<float> b0 = default, b1 = default, b2 = default, b3 = default, b4 = default, b5 = default, b6 = default, b7 = default;
            int kh = KH, kw = KW, columns = Columns, planeSize = Rows * Columns;
            for (int c = 0; c < channels; c++)
                for (int ky = kyFrom; ky < kyTo; ky++)
                {
                    float* row = x + c * planeSize + ky * columns;
                    float* wt = w + ((c * kh + ky) * kw) * Block;
                    for (int kx = 0; kx < kw; kx++, wt += Block)
                    {
                        var x0 = Vector512.Load(row + kx);
                        var x1 = Vector512.Load(row + columns + kx);
                        Vector512<float> s;
                        s = Vector512.Create(wt[0]); a0 = Vector512.FusedMultiplyAdd(x0, s, a0); b0 = Vector512.FusedMultiplyAdd(x1, s, b0);
                        s = Vector512.Create(wt[1]); a1 = Vector512.FusedMultiplyAdd(x0, s, a1); b1 = Vector512.FusedMultiplyAdd(x1, s, b1);
                        s = Vector512.Create(wt[2]); a2 = Vector512.FusedMultiplyAdd(x0, s, a2); b2 = Vector512.FusedMultiplyAdd(x1, s, b2);
                        s = Vector512.Create(wt[3]); a3 = Vector512.FusedMultiplyAdd(x0, s, a3); b3 = Vector512.FusedMultiplyAdd(x1, s, b3);
                        if (count > 4)
                        {
                            s = Vector512.Create(wt[4]); a4 = Vector512.FusedMultiplyAdd(x0, s, a4); b4 = Vector512.FusedMultiplyAdd(x1, s, b4);
                            s = Vector512.Create(wt[5]); a5 = Vector512.FusedMultiplyAdd(x0, s, a5); b5 = Vector512.FusedMultiplyAdd(x1, s, b5);
                        }
                        if (count > 6)
                        {
                            s = Vector512.Create(wt[6]); a6 = Vector512.FusedMultiplyAdd(x0, s, a6); b6 = Vector512.FusedMultiplyAdd(x1, s, b6);
                            s = Vector512.Create(wt[7]); a7 = Vector512.FusedMultiplyAdd(x0, s, a7); b7 = Vector512.FusedMultiplyAdd(x1, s, b7);
                        }
                    }
                }
            int plane = (OutH + 1) * OutRow, next = OutRow;
            a0.Store(r); b0.Store(r + next); r += plane;
            a1.Store(r); b1.Store(r + next); r += plane;
            a2.Store(r); b2.Store(r + next); r += plane;
            a3.Store(r); b3.Store(r + next); r += plane;
            if (count > 4)
            {
                a4.Store(r); b4.Store(r + next); r += plane;
                a5.Store(r); b5.Store(r + next); r += plane;
            }
            if (count > 6)
            {
                a6.Store(r); b6.Store(r + next); r += plane;
                a7.Store(r); b7.Store(r + next);
            }
        }

        /// <summary>Copies the sample's planes into the zero-padded scratch.</summary>
        private void Pad(float[] source, int offset, float[] padded)
        {
            Array.Clear(padded, 0, Channels * Rows * Columns);
            for (int c = 0; c < Channels; c++)
                for (int iy = 0; iy < Height; iy++)
                    source.AsSpan(offset + (c * Height + iy) * Width, Width).CopyTo(padded.AsSpan((c * Rows + Top + iy) * Columns + Left, Width));
        }
    }

    /// <summary>How many output channels a kernel instantiation computes (a compile-time constant per type).</summary>
    private interface IChannelCount
    {
        static abstract int Count { get; }
    }

    private readonly struct Three : IChannelCount { public static int Count => 3; }

    private readonly struct Four : IChannelCount { public static int Count => 4; }

    private readonly struct Six : IChannelCount { public static int Count => 6; }

    private readonly struct Eight : IChannelCount { public static int Count => Block; }
}
