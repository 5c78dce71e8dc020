using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Sprout.Kernels;

// The weight gradient of the direct convolution: dw (O, C, kh, kw) = Σ over samples and output pixels of dy × the input
// under each tap, as vector partial sums per part of the batch, reduced in a fixed order at the end (so results do not
// depend on the thread count's timing).
internal static unsafe partial class DirectConvolution
{
    /// <summary>dw (O, C, kh, kw) = Σ over samples and output pixels of dy (N, O, Ho, Wo) × the input under each tap.</summary>
    public static void WeightGradient(Convolution.Problem p, float[] x, int xOffset, float[] dy, int dyOffset, float[] dw)
    {
        var g = p.Geometry;
        var source = new Planes(p.C, p.H, p.W, g.PadH, g.PadW, p.OutH, p.OutW, g.KernelH, g.KernelW);
        int group = GradientGroup(p.O), blocks = (p.O + group - 1) / group, taps = p.KernelRows, partLength = blocks * group * taps * Lanes;
        int parts = Math.Min(p.N, Threads.Count);
        var partials = Convolution.Buffer(ref t_partials, parts * partLength);   // the calling thread's; the parts write disjoint slices
        Array.Clear(partials, 0, parts * partLength);
        WorkerPool.For(parts, part =>
        {
            fixed (float* sums = &partials[part * partLength])
                for (int n = p.N * part / parts, end = p.N * (part + 1) / parts; n < end; n++)
                    source.AccumulateWeightGradient(x, xOffset + n * p.C * p.H * p.W, dy, dyOffset + n * p.O * p.Pixels, p.O, sums);
        });
        ReduceWeightGradient(partials, parts, partLength, p.O, taps, dw);
    }

    /// <summary>Output channels per weight-gradient kernel call: 4, or 3 when that divides the channels and 4 does not (LeNet's 6).</summary>
    private static int GradientGroup(int outputs) => outputs % 4 != 0 && outputs % 3 == 0 ? 3 : 4;

    /// <summary>dw[o, tap] = Σ over parts (in order) of the 16 lanes of each partial vector.</summary>
    private static void ReduceWeightGradient(float[] partials, int parts, int partLength, int outputs, int taps, float[] dw)
    {
        fixed (float* s = partials)
            for (int o = 0; o < outputs; o++)
                for (int tap = 0; tap < taps; tap++)
                {
                    var sum = Vector512<float>.Zero;
                    for (int part = 0; part < parts; part++) sum += Vector512.Load(s + (long)part * partLength + ((long)o * taps + tap) * Lanes);
                    dw[o * taps + tap] = Vector512.Sum(sum);
                }
    }

    private readonly partial struct Planes
    {
        /// <summary>
        /// Adds this sample's contribution to the vector partial sums [o][tap][16]: for each block of 3 or 4 output channels,
        /// each input row (c, ky) and each run of up to 5 taps kx along it, Σ over output rows and vectors of dy × the
        /// input row shifted by kx.
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public void AccumulateWeightGradient(float[] x, int xOffset, float[] dy, int dyOffset, int outputs, float* sums)
        {
            // A run shorter than 5 taps still loads 5 shifted vectors: slack after the last row keeps those reads inside.
            var padded = Convolution.Buffer(ref t_input, Channels * Rows * Columns + TapRun);
            int group = GradientGroup(outputs), blocks = (outputs + group - 1) / group, gradientPlane = OutH * OutRow;
            var gradient = Convolution.Buffer(ref t_output, blocks * group * gradientPlane);
            Pad(x, xOffset, padded);
            PadGradient(dy, dyOffset, outputs, blocks * group, gradient);
            int taps = Channels * KH * KW;
            fixed (float* xp = padded, gp = gradient)
                for (int b = 0; b < blocks; b++)
                    for (int c = 0; c < Channels; c++)
                        for (int ky = 0; ky < KH; ky++)
                        {
                            // Output rows whose input row lies in the zero padding add nothing.
                            int oyFrom = Math.Max(0, Top - ky), oyTo = Math.Min(OutH, Top + Height - ky);
                            for (int kx = 0; kx < KW; kx += TapRun)
                            {
                                int tap = (c * KH + ky) * KW + kx;
                                float* row = xp + (c * Rows + ky) * Columns + kx, g = gp + (long)b * group * gradientPlane;
                                float* sum = sums + ((long)b * group * taps + tap) * Lanes;
                                if (group == 3) RowGradient<Three>(row, g, oyFrom, oyTo, sum, taps * Lanes, Math.Min(TapRun, KW - kx));
                                else RowGradient<Four>(row, g, oyFrom, oyTo, sum, taps * Lanes, Math.Min(TapRun, KW - kx));
                        }
                    }
        }

        /// <summary>TChannels (3 or 4) output channels × 5 consecutive taps of one input row: up to 20 accumulators, 9 loads per 20 FMAs.</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private void RowGradient<TChannels>(float* x, float* dy, int oyFrom, int oyTo, float* sums, int outputStride, int runTaps)
            where TChannels : struct, IChannelCount
        {
            int count = TChannels.Count;
            Vector512<float> a00 = default, a01 = default, a02 = default, a03 = default, a04 = default;
            Vector512<float> a10 = default, a11 = default, a12 = default, a13 = default, a14 = default;
            Vector512<float> a20 = default, a21 = default, a22 = default, a23 = default, a24 = default;
            Vector512<float> a30 = default, a31 = default, a32 = default, a33 = default, a34 = default;
            int columns = Columns, outRow = OutRow, plane = OutH * OutRow, vectors = Vectors;
            for (int oy = oyFrom; oy < oyTo; oy++)
                for (int v = 0; v < vectors; v++)
                {
                    float* xr = x + oy * columns + v * Lanes;
                    float* d = dy + oy * outRow + v * Lanes;
                    var x0 = Vector512.Load(xr); var x1 = Vector512.Load(xr + 1); var x2 = Vector512.Load(xr + 2);
                    var x3 = Vector512.Load(xr + 3); var x4 = Vector512.Load(xr + 4);
                    var g = Vector512.Load(d);
                    a00 = Vector512.FusedMultiplyAdd(g, x0, a00); a01 = Vector512.FusedMultiplyAdd(g, x1, a01); a02 = Vector512.FusedMultiplyAdd(g, x2, a02);
                    a03 = Vector512.FusedMultiplyAdd(g, x3, a03); a04 = Vector512.FusedMultiplyAdd(g, x4, a04);
                    g = Vector512.Load(d + plane);
                    a10 = Vector512.FusedMultiplyAdd(g, x0, a10); a11 = Vector512.FusedMultiplyAdd(g, x1, a11); a12 = Vector512.FusedMultiplyAdd(g, x2, a12);
                    a13 = Vector512.FusedMultiplyAdd(g, x3, a13); a14 = Vector512.FusedMultiplyAdd(g, x4, a14);
                    g = Vector512.Load(d + 2 * plane);
                    a20 = Vector512.FusedMultiplyAdd(g, x0, a20); a21 = Vector512.FusedMultiplyAdd(g, x1, a21); a22 = Vector512.FusedMultiplyAdd(g, x2, a22);
                    a23 = Vector512.FusedMultiplyAdd(g, x3, a23); a24 = Vector512.FusedMultiplyAdd(g, x4, a24);
                    if (count > 3)
                    {
                        g = Vector512.Load(d + 3 * plane);
                        a30 = Vector512.FusedMultiplyAdd(g, x0, a30); a31 = Vector512.FusedMultiplyAdd(g, x1, a31); a32 = Vector512.FusedMultiplyAdd(g, x2, a32);
                        a33 = Vector512.FusedMultiplyAdd(g, x3, a33); a34 = Vector512.FusedMultiplyAdd(g, x4, a34);
                    }
                }
            AddRun(sums, runTaps, a00, a01, a02, a03, a04);
            AddRun(sums + outputStride, runTaps, a10, a11, a12, a13, a14);
            AddRun(sums + 2 * outputStride, runTaps, a20, a21, a22, a23, a24);
            if (count > 3) AddRun(sums + 3 * outputStride, runTaps, a30, a31, a32, a33, a34);
        }

        /// <summary>Adds the first <paramref name="count"/> of five taps' partial sums (16 floats apart).</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static void AddRun(float* sums, int count, Vector512<float> t0, Vector512<float> t1, Vector512<float> t2, Vector512<float> t3, Vector512<float> t4)
        {
            Add(sums, t0);
            if (count > 1) Add(sums + Lanes, t1);
            if (count > 2) Add(sums + 2 * Lanes, t2);
            if (count > 3) Add(sums + 3 * Lanes, t3);
            if (count > 4) Add(sums + 4 * Lanes, t4);
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static void Add(float* sum, Vector512<float> value) => (Vector512.Load(sum) + value).Store(sum);

        /// <summary>dy's planes with rows widened to whole vectors (zeros past OutW) and zero planes up to a whole block.</summary>
        private void PadGradient(float[] dy, int offset, int outputs, int planes, float[] padded)
        {
            int outRow = OutRow;
            Array.Clear(padded, 0, planes * OutH * outRow);
            for (int o = 0; o < outputs; o++)
                for (int oy = 0; oy < OutH; oy++)
                    dy.AsSpan(offset + (o * OutH + oy) * OutW, OutW).CopyTo(padded.AsSpan((o * OutH + oy) * outRow, OutW));
        }
    }
}
