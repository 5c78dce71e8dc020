using Sprout.Init;
using Sprout.Nn;
using Sprout.Tests.Autograd;

namespace Sprout.Tests.Nn;

public class Conv2DTransposeTests
{
    public Conv2DTransposeTests() => Rng.Seed(14);

    /// <summary>
    /// From the definition: input pixel (i, j) of channel c adds x·W[c, o′, a, b] at output (i·s − p + a·d, j·s − p + b·d)
    /// of each channel o = g·(O/groups) + o′ of its group g, for every tap (a, b).
    /// </summary>
    private static float[] Reference(Tensor x, Tensor w, Tensor? bias, Size2 s, Size2 p, Size2 op, Size2 d, int groups)
    {
        int n = x.Shape[0], c = x.Shape[1], h = x.Shape[2], wd = x.Shape[3], kh = w.Shape[2], kw = w.Shape[3], perGroup = w.Shape[1], o = perGroup * groups;
        int ho = (h - 1) * s.H - 2 * p.H + d.H * (kh - 1) + op.H + 1, wo = (wd - 1) * s.W - 2 * p.W + d.W * (kw - 1) + op.W + 1;
        var y = new float[n * o * ho * wo];
        for (int b = 0; b < n; b++)
            for (int ch = 0; ch < c; ch++)
            {
                int g = ch / (c / groups);
                for (int i = 0; i < h; i++)
                    for (int j = 0; j < wd; j++)
                        for (int oo = 0; oo < perGroup; oo++)
                            for (int a = 0; a < kh; a++)
                                for (int e = 0; e < kw; e++)
                                {
                                    int r = i * s.H - p.H + a * d.H, q = j * s.W - p.W + e * d.W;
                                    if (r < 0 || r >= ho || q < 0 || q >= wo) continue;
                                    y[((b * o + g * perGroup + oo) * ho + r) * wo + q] += x[b, ch, i, j] * w[ch, oo, a, e];
                                }
            }
        if (bias is not null)
            for (int i = 0; i < y.Length; i++) y[i] += bias[i / (ho * wo) % o];
        return y;
    }

    public static TheoryData<int, int, int, int, int, int> Settings => new()
    {
        // stride, padding, output padding, dilation, groups, kernel
        { 1, 0, 0, 1, 1, 3 },
        { 2, 1, 1, 1, 1, 3 },
        { 3, 2, 0, 1, 1, 5 },
        { 2, 0, 0, 2, 2, 3 },
        { 2, 1, 1, 1, 4, 4 },
    };

    [Theory]
    [MemberData(nameof(Settings))]
    public void The_output_matches_the_scatter_of_each_input_pixel_written_from_the_definition(int stride, int padding, int outputPadding, int dilation, int groups, int kernel)
    {
        var x = Tensor.RandomNormal(2, 4, 5, 6);
        var w = Tensor.RandomNormal(4, 8 / groups, kernel, kernel);
        var b = Tensor.RandomNormal(8);
        var y = Tensor.Conv2DTranspose(x, w, b, stride, padding, outputPadding, dilation, groups);
        var expected = Reference(x, w, b, stride, padding, outputPadding, dilation, groups);
        TestHelpers.Close(expected, y, 1e-4f);
    }

    [Fact]
    public void The_books_two_by_two_examples_give_its_printed_results()
    {
        var x = Tensor.FromArray([0f, 1, 2, 3], 1, 1, 2, 2);
        var k = Tensor.FromArray([0f, 1, 2, 3], 1, 1, 2, 2);
        Assert.Equal([0f, 0, 1, 0, 4, 6, 4, 12, 9], Tensor.Conv2DTranspose(x, k, null, 1, 0, 0, 1).ToArray());   // 14.10.1
        Assert.Equal([4f], Tensor.Conv2DTranspose(x, k, null, 1, 1, 0, 1).ToArray());                          // padding 1
        Assert.Equal([0f, 0, 0, 1, 0, 0, 2, 3, 0, 2, 0, 3, 4, 6, 6, 9], Tensor.Conv2DTranspose(x, k, null, 2, 0, 0, 1).ToArray());   // stride 2
    }

    [Fact]
    public void Gradients_of_input_weight_and_bias_match_finite_differences()
    {
        GradCheck.Assert(t => Tensor.Conv2DTranspose(t[0], t[1], t[2], 2, 1, 1, 1), Tensor.RandomNormal(2, 3, 3, 4), Tensor.RandomNormal(3, 2, 3, 3), Tensor.RandomNormal(2));
        GradCheck.Assert(t => Tensor.Conv2DTranspose(t[0], t[1], null, 1, 0, 0, 2, groups: 2), Tensor.RandomNormal(1, 4, 3, 3), Tensor.RandomNormal(4, 1, 2, 2));
    }

    [Fact]
    public void A_transposed_convolution_undoes_a_strided_convolutions_change_of_size_with_its_input_channels_inferred()
    {
        // The book's 14.10.3: Conv2d(10, 20, k 5, p 2, s 3) then ConvTranspose2d(20, 10, k 5, p 2, s 3) gives back (1, 10, 16, 16).
        var net = new Sequential { new Conv2D(20, 5, padding: 2, strides: 3), new Conv2DTranspose(10, 5, padding: 2, strides: 3) };
        net.Initialize(new Xavier());
        Assert.Equal(new Shape(1, 10, 16, 16), net.Forward(Tensor.RandomUniform(1, 10, 16, 16)).Shape);
        var t = net.Get<Conv2DTranspose>(1);
        Assert.Equal(new Shape(20, 10, 5, 5), t.Weight.Shape);   // (in, out/groups, kh, kw), in inferred
        Assert.Contains("Conv2DTranspose", net.Summary(new Shape(2, 10, 16, 16)));
        var e = Assert.Throws<ShapeMismatchException>(() => t.Forward(Tensor.RandomUniform(1, 7, 6, 6)));
        Assert.Contains("20", e.Message);
        Assert.Contains("7", e.Message);
    }

    [Fact]
    public void An_output_padding_not_below_the_stride_is_refused_saying_what_it_is_for()
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => new Conv2DTranspose(4, 3, strides: 2, outputPadding: 2));
        Assert.Contains("below the stride", e.Message);
        Assert.Throws<ArgumentException>(() => new Conv2DTranspose(6, 3, groups: 4));
        Assert.Throws<ArgumentException>(() => Tensor.Conv2DTranspose(Tensor.Ones(1, 3, 4, 4), Tensor.Ones(2, 1, 3, 3), null, 1, 0, 0, 1));   // weight's in ≠ 3
    }
}
