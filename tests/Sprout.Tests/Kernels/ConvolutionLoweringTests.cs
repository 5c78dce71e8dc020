using Sprout.Kernels;

namespace Sprout.Tests.Kernels;

/// <summary>
/// The im2col + GEMM convolution (weights packed once for all chunks, chunks of one sample written in place, larger
/// chunks gathered, weight gradients of several runs summed) against convolution written out from its definition.
/// </summary>
public class ConvolutionLoweringTests
{
    public static TheoryData<int, int, int, int, int, int, int, int, int, int> Problems => new()
    {
        // n, c, h, w, o, k, stride, pad, dilation, groups
        { 3, 64, 9, 9, 64, 3, 1, 1, 1, 1 },    // ResNet's 3x3 at 64 channels: chunks of one sample, in place
        { 5, 16, 3, 3, 24, 3, 1, 1, 1, 1 },    // a late layer: 9 pixels, several samples per chunk (gathered)
        { 4, 3, 17, 15, 8, 7, 2, 3, 1, 1 },    // the stem's 7x7, stride 2, padding 3, odd sizes
        { 3, 12, 10, 10, 20, 1, 2, 0, 1, 1 },  // the 1x1 stride-2 shortcut
        { 2, 8, 11, 9, 6, 3, 1, 2, 2, 2 },     // dilation 2 and two groups
        { 7, 40, 6, 6, 36, 3, 2, 1, 1, 4 },    // stride 2, four groups, a ragged last chunk
        { 2, 64, 40, 40, 8, 3, 1, 1, 1, 1 },   // a sample's matrix over the chunk target (3.7 MB): one sample a chunk
        { 5, 128, 24, 24, 16, 1, 1, 0, 1, 1 }, // a 1×1 layer on a large plane: one sample a chunk, the GEMM reads x itself
        { 5, 128, 24, 24, 16, 1, 1, 0, 1, 2 }, // the same in two groups
        { 4, 8, 5, 5, 6, 1, 1, 0, 1, 1 },      // a 1×1 layer on a small plane: several samples a chunk, copied
    };

    [Fact]
    public void A_1x1_layer_on_a_large_plane_multiplies_x_in_place_and_a_small_one_is_unfolded()
    {
        var large = new Convolution.Problem(5, 128, 24, 24, 16, 1, new ConvGeometry(1, 1, 1, 1, 0, 0));
        Assert.Equal(1, large.SamplesPerChunk);
        Assert.True(Convolution.UnfoldsToItself(large, large.SamplesPerChunk));
        var small = new Convolution.Problem(4, 8, 5, 5, 6, 1, new ConvGeometry(1, 1, 1, 1, 0, 0));
        Assert.False(Convolution.UnfoldsToItself(small, small.SamplesPerChunk));
        var strided = new Convolution.Problem(5, 128, 24, 24, 16, 1, new ConvGeometry(1, 1, 2, 2, 0, 0));
        Assert.False(Convolution.UnfoldsToItself(strided, 1));
    }

    [Theory]
    [MemberData(nameof(Problems))]
    public void Forward_and_both_gradients_match_the_definition(int n, int c, int h, int w, int o, int k, int stride, int pad, int dilation, int groups)
    {
        var g = new ConvGeometry(k, k, stride, stride, pad, pad, dilation, dilation);
        var p = new Convolution.Problem(n, c, h, w, o, groups, g);
        Rng.Seed(7);
        var x = Tensor.RandomUniform(new Shape(n * c * h * w), -1f, 1f).ToArray();
        var weight = Tensor.RandomUniform(new Shape(o * p.KernelRows), -1f, 1f).ToArray();
        var dy = Tensor.RandomUniform(new Shape(n * o * p.Pixels), -1f, 1f).ToArray();
        var (y, dx, dw) = Reference(p, x, weight, dy);

        var yActual = new float[y.Length];
        yActual.AsSpan().Fill(float.NaN);   // every output must be written
        Convolution.Forward(p, x, 0, weight, 0, yActual);
        AssertClose(y, yActual, "y");

        var dxActual = new float[dx.Length];   // folded into: starts cleared, as the op gives it
        var dwActual = new float[dw.Length];
        dwActual.AsSpan().Fill(float.NaN);     // overwritten, not accumulated into
        Convolution.Backward(p, x, 0, weight, 0, dy, 0, dxActual, dwActual);
        AssertClose(dx, dxActual, "dx");
        AssertClose(dw, dwActual, "dw");
    }

    [Theory]
    [InlineData(2, 128, 12, 12, 128)]  // ResNet's second stage by F(4×4, 3×3): 3×3 tiles a sample
    [InlineData(3, 128, 13, 15, 144)]  // odd sizes: the last row and column of 4×4 tiles partly outside
    [InlineData(9, 144, 12, 12, 128)]  // several chunks of tiles, one ragged; more channels in than out
    [InlineData(2, 64, 24, 24, 64)]    // ResNet's first stage: 64 channels, 6×6 tiles of 4×4 a sample
    [InlineData(3, 256, 6, 6, 256)]    // ResNet's third stage by F(2×2, 3×3): 3×3 tiles a sample, the smallest planes taken
    [InlineData(2, 64, 7, 11, 80)]     // F(2×2, 3×3) at odd sizes below F(4×4, 3×3)'s planes: 2×2 tiles half outside
    public void Winograd_forward_and_both_gradients_match_the_definition(int n, int c, int h, int w, int o)
    {
        var p = new Convolution.Problem(n, c, h, w, o, 1, new ConvGeometry(3, 3, 1, 1, 1, 1));
        Assert.Equal(System.Runtime.Intrinsics.Vector512.IsHardwareAccelerated, Winograd.Applies(p));
        if (!Winograd.Applies(p)) return;   // without AVX-512 these layers take im2col, tested above
        Rng.Seed(9);
        var x = Tensor.RandomUniform(new Shape(n * c * h * w), -1f, 1f).ToArray();
        var weight = Tensor.RandomUniform(new Shape(o * p.KernelRows), -1f, 1f).ToArray();
        var dy = Tensor.RandomUniform(new Shape(n * o * p.Pixels), -1f, 1f).ToArray();
        var (y, dx, dw) = Reference(p, x, weight, dy);
        var yActual = new float[y.Length];
        yActual.AsSpan().Fill(float.NaN);   // every output must be written
        Winograd.Forward(p, x, 0, weight, 0, yActual, 0);
        AssertClose(y, yActual, "y");
        var dxActual = new float[dx.Length];
        dxActual.AsSpan().Fill(float.NaN);
        Winograd.InputGradient(p, dy, 0, weight, 0, dxActual, 0);
        AssertClose(dx, dxActual, "dx");
        var dwActual = new float[dw.Length];
        dwActual.AsSpan().Fill(float.NaN);   // overwritten, not accumulated into
        Winograd.WeightGradient(p, x, 0, dy, 0, dwActual);
        AssertClose(dw, dwActual, "dw");
    }

    [Fact]
    public void A_layer_that_takes_Winograd_gets_its_output_and_all_three_gradients_right()
    {
        var p = new Convolution.Problem(2, 128, 12, 12, 128, 1, new ConvGeometry(3, 3, 1, 1, 1, 1));
        Rng.Seed(10);
        var x = Tensor.RandomUniform(new Shape(2, 128, 12, 12), -1f, 1f);
        var weight = Tensor.RandomUniform(new Shape(128, 128, 3, 3), -1f, 1f);
        var bias = Tensor.RandomUniform(new Shape(128), -1f, 1f);
        var head = Tensor.RandomUniform(new Shape(2, 128, 12, 12), -1f, 1f);
        x.AttachGrad(); weight.AttachGrad(); bias.AttachGrad();
        Tensor y;
        using (Sprout.Autograd.Record()) y = Tensor.Conv2D(x, weight, bias, 1, 1, 1);
        y.Backward(head);
        var (expected, dx, dw) = Reference(p, x.ToArray(), weight.ToArray(), head.ToArray());
        var b = bias.ToArray();
        AssertClose([.. expected.Select((v, i) => v + b[i / 144 % 128])], y.ToArray(), "y");
        AssertClose(dx, x.Grad()!.ToArray(), "dx");
        AssertClose(dw, weight.Grad()!.ToArray(), "dw");
        var h = head.ToArray();
        AssertClose([.. Enumerable.Range(0, 128).Select(o => Enumerable.Range(0, 2 * 144).Sum(k => h[(k / 144 * 128 + o) * 144 + k % 144]))], bias.Grad()!.ToArray(), "dbias");
    }

    [Theory]
    [InlineData(256, 4, 256, 1)]   // planes under 6×6: mostly padding
    [InlineData(136, 12, 128, 1)]  // channels not in whole vectors
    [InlineData(48, 24, 48, 1)]    // fewer than 64 channels
    [InlineData(128, 12, 128, 2)]  // stride 2
    public void Winograd_leaves_other_convolutions_to_im2col(int c, int hw, int o, int stride) =>
        Assert.False(Winograd.Applies(new Convolution.Problem(1, c, hw, hw, o, 1, new ConvGeometry(3, 3, stride, stride, 1, 1))));

    [Theory]
    [InlineData(5, 64, 3, 3, 72, 3, 1, 1)]    // ResNet's last stage in small: 9 pixels, one chunk; 72 rows split over the threads
    [InlineData(6, 40, 6, 6, 36, 1, 2, 0)]    // a 1×1 stride-2 shortcut
    [InlineData(3, 24, 7, 5, 20, 3, 2, 1)]    // stride 2, odd sizes, ragged row blocks and column panels
    public void Layers_with_fewer_chunks_than_threads_run_as_one_product_split_by_rows_and_get_the_same_values(int n, int c, int h, int w, int o, int k, int stride, int pad)
    {
        var p = new Convolution.Problem(n, c, h, w, o, 1, new ConvGeometry(k, k, stride, stride, pad, pad));
        Rng.Seed(9);
        var x = Tensor.RandomUniform(new Shape(n * c * h * w), -1f, 1f).ToArray();
        var weight = Tensor.RandomUniform(new Shape(o * p.KernelRows), -1f, 1f).ToArray();
        var dy = Tensor.RandomUniform(new Shape(n * o * p.Pixels), -1f, 1f).ToArray();
        var (y, dx, dw) = Reference(p, x, weight, dy);
        var results = new List<(float[] Y, float[] Dx, float[] Dw)>();
        foreach (bool whole in new[] { true, false })
        {
            (Convolution.WholeBatch, Convolution.TapWise) = (whole, false);   // these small planes would go tap by tap (tested below)
            try
            {
                Assert.Equal(whole && Environment.ProcessorCount > 1, Convolution.UsesWholeBatch(p));
                var yActual = new float[y.Length];
                yActual.AsSpan().Fill(float.NaN);
                Convolution.Forward(p, x, 0, weight, 0, yActual);
                var dxActual = new float[dx.Length];
                var dwActual = new float[dw.Length];
                dwActual.AsSpan().Fill(float.NaN);
                Convolution.Backward(p, x, 0, weight, 0, dy, 0, dxActual, dwActual);
                AssertClose(y, yActual, $"y (whole batch {whole})");
                AssertClose(dx, dxActual, $"dx (whole batch {whole})");
                AssertClose(dw, dwActual, $"dw (whole batch {whole})");
                var dwOnly = new float[dw.Length];
                Convolution.Backward(p, x, 0, weight, 0, dy, 0, null, dwOnly);
                Assert.Equal(dwActual, dwOnly);
                results.Add((yActual, dxActual, dwActual));
            }
            finally { (Convolution.WholeBatch, Convolution.TapWise) = (true, true); }
        }
        Assert.Equal(results[1].Y, results[0].Y);     // the same sums in the same order
        Assert.Equal(results[1].Dx, results[0].Dx);
    }

    [Theory]
    [InlineData(5, 64, 3, 3, 72, 3, 1, 1)]   // ResNet's last stage in small: 49 of 81 (tap, position) pairs inside
    [InlineData(4, 16, 4, 4, 8, 3, 1, 1)]    // 4×4 planes: 69 % inside
    [InlineData(3, 24, 4, 4, 20, 3, 2, 1)]   // stride 2 onto 2×2: the taps' inputs every other column
    [InlineData(3, 24, 7, 5, 20, 3, 2, 1)]   // stride 2, odd and unequal sizes
    [InlineData(3, 8, 2, 2, 5, 2, 1, 1)]     // no tap reaches every position: the product starts cleared
    [InlineData(2, 4, 1, 1, 3, 5, 1, 3)]     // taps that never read inside the image: their weight gradient is 0
    public void Small_planes_go_tap_by_tap_over_the_positions_inside_the_image_and_match_the_definition(int n, int c, int h, int w, int o, int k, int stride, int pad)
    {
        var p = new Convolution.Problem(n, c, h, w, o, 1, new ConvGeometry(k, k, stride, stride, pad, pad));
        Assert.True(Convolution.UsesTapWise(p));
        Rng.Seed(12);
        var x = Tensor.RandomUniform(new Shape(n * c * h * w), -1f, 1f).ToArray();
        var weight = Tensor.RandomUniform(new Shape(o * p.KernelRows), -1f, 1f).ToArray();
        var bias = Tensor.RandomUniform(new Shape(o + 2), -1f, 1f).ToArray();
        var dy = Tensor.RandomUniform(new Shape(n * o * p.Pixels), -1f, 1f).ToArray();
        var (y, dx, dw) = Reference(p, x, weight, dy);
        var yActual = new float[y.Length];
        yActual.AsSpan().Fill(float.NaN);   // every output must be written
        Convolution.Forward(p, x, 0, weight, 0, yActual, bias, 2);
        AssertClose([.. y.Select((v, i) => v + bias[2 + i / p.Pixels % o])], yActual, "y");
        var dxActual = new float[dx.Length];   // added into, as by col2im: the op gives it cleared
        var dwActual = new float[dw.Length];
        dwActual.AsSpan().Fill(float.NaN);     // overwritten, not accumulated into
        Convolution.Backward(p, x, 0, weight, 0, dy, 0, dxActual, dwActual);
        AssertClose(dx, dxActual, "dx");
        AssertClose(dw, dwActual, "dw");
        var dwOnly = new float[dw.Length];
        Convolution.Backward(p, x, 0, weight, 0, dy, 0, null, dwOnly);
        Assert.Equal(dwActual, dwOnly);
    }

    [Theory]
    [InlineData(32, 128, 12, 12, 128, 3, 1, 1)]   // 12×12: 89 % of the pairs inside, im2col's zeros are few
    [InlineData(32, 256, 6, 6, 256, 3, 1, 1)]     // 6×6: 79 %, measured slower tap by tap
    [InlineData(32, 256, 6, 6, 512, 3, 2, 1)]     // stride 2 onto 3×3: 79 %
    [InlineData(32, 64, 24, 24, 128, 1, 2, 0)]    // no padding: every pair inside
    [InlineData(32, 16, 28, 28, 6, 5, 1, 2)]      // LeNet's first layer: 91 %
    public void Planes_whose_padding_is_seldom_read_keep_im2col(int n, int c, int h, int w, int o, int k, int stride, int pad) =>
        Assert.False(Convolution.UsesTapWise(new Convolution.Problem(n, c, h, w, o, 1, new ConvGeometry(k, k, stride, stride, pad, pad))));

    [Theory]
    [InlineData(4, 48, 18, 18, 64, false)] // chunks of one sample, written in place (48 channels: not Winograd)
    [InlineData(5, 16, 6, 6, 24, false)]   // several samples a chunk, gathered into place
    [InlineData(5, 64, 3, 3, 72, false)]   // the whole batch as one product (at more than one thread)
    [InlineData(2, 64, 24, 24, 64, true)]  // Winograd, the bias added in its output transform
    public void Each_path_adds_the_bias_to_every_output_as_a_pass_of_its_own_would(int n, int c, int h, int w, int o, bool winograd)
    {
        var p = new Convolution.Problem(n, c, h, w, o, 1, new ConvGeometry(3, 3, 1, 1, 1, 1));
        Assert.Equal(winograd, Winograd.Applies(p));
        Rng.Seed(10);
        var x = Tensor.RandomUniform(new Shape(n * c * h * w), -1f, 1f).ToArray();
        var weight = Tensor.RandomUniform(new Shape(o * p.KernelRows), -1f, 1f).ToArray();
        var bias = Tensor.RandomUniform(new Shape(o + 3), -1f, 1f).ToArray();
        float[] plain = new float[n * o * p.Pixels], biased = new float[plain.Length];
        biased.AsSpan().Fill(float.NaN);
        if (winograd)
        {
            Winograd.Forward(p, x, 0, weight, 0, plain, 0);
            Winograd.Forward(p, x, 0, weight, 0, biased, 0, bias, 3);
        }
        else
        {
            Convolution.Forward(p, x, 0, weight, 0, plain);
            Convolution.Forward(p, x, 0, weight, 0, biased, bias, 3);
        }
        for (int i = 0; i < plain.Length; i++)
        {
            float expected = plain[i] + bias[3 + i / p.Pixels % o];
            Assert.True(expected.Equals(biased[i]), $"output {i} (channel {i / p.Pixels % o}) is {biased[i]}, expected {expected}");
        }
    }

    [Fact]
    public void The_weight_gradient_does_not_depend_on_the_thread_count()
    {
        var p = new Convolution.Problem(6, 32, 3, 3, 48, 1, new ConvGeometry(3, 3, 1, 1, 1, 1));
        Rng.Seed(8);
        var x = Tensor.RandomUniform(new Shape(6 * 32 * 9), -1f, 1f).ToArray();
        var dy = Tensor.RandomUniform(new Shape(6 * 48 * 9), -1f, 1f).ToArray();
        var weight = new float[48 * p.KernelRows];
        float[] one = new float[weight.Length], all = new float[weight.Length];
        int threads = Threads.Count;
        try
        {
            Threads.Count = 1;
            Convolution.Backward(p, x, 0, weight, 0, dy, 0, null, one);
            Threads.Count = Environment.ProcessorCount;
            Convolution.Backward(p, x, 0, weight, 0, dy, 0, null, all);
        }
        finally
        {
            Threads.Count = threads;
        }
        var (_, _, expected) = Reference(p, x, weight, dy);
        AssertClose(expected, one, "dw at one thread");
        AssertClose(expected, all, "dw at all cores");
    }

    /// <summary>y = x ⋆ w per group, dx and dw by the chain rule, one multiply–add at a time, in double precision.</summary>
    private static (float[] Y, float[] Dx, float[] Dw) Reference(Convolution.Problem p, float[] x, float[] weight, float[] dy)
    {
        var g = p.Geometry;
        int cg = p.C / p.Groups, og = p.O / p.Groups, oh = p.OutH, ow = p.OutW;
        var y = new double[p.N * p.O * oh * ow];
        var dx = new double[x.Length];
        var dw = new double[weight.Length];
        for (int s = 0; s < p.N; s++)
            for (int oc = 0; oc < p.O; oc++)
                for (int yo = 0; yo < oh; yo++)
                    for (int xo = 0; xo < ow; xo++)
                    {
                        int outIndex = ((s * p.O + oc) * oh + yo) * ow + xo;
                        for (int ci = 0; ci < cg; ci++)
                            for (int ki = 0; ki < g.KernelH; ki++)
                                for (int kj = 0; kj < g.KernelW; kj++)
                                {
                                    int iy = yo * g.StrideH - g.PadH + ki * g.DilationH, ix = xo * g.StrideW - g.PadW + kj * g.DilationW;
                                    if (iy < 0 || iy >= p.H || ix < 0 || ix >= p.W) continue;
                                    int channel = oc / og * cg + ci;
                                    int xIndex = ((s * p.C + channel) * p.H + iy) * p.W + ix;
                                    int wIndex = ((oc * cg + ci) * g.KernelH + ki) * g.KernelW + kj;
                                    y[outIndex] += (double)x[xIndex] * weight[wIndex];
                                    dx[xIndex] += (double)dy[outIndex] * weight[wIndex];
                                    dw[wIndex] += (double)dy[outIndex] * x[xIndex];
                                }
                    }
        static float[] Single(double[] v) => [.. v.Select(d => (float)d)];
        return (Single(y), Single(dx), Single(dw));
    }

    private static void AssertClose(float[] expected, float[] actual, string what)
    {
        for (int i = 0; i < expected.Length; i++)
            Assert.True(MathF.Abs(expected[i] - actual[i]) <= 1e-4f * (1 + MathF.Abs(expected[i])) * 4, $"{what}[{i}]: expected {expected[i]}, got {actual[i]}");
    }
}
