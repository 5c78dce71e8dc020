using Sprout.Kernels;

namespace Sprout.Tests.Kernels;

/// <summary>The direct kernels for small images must agree with the im2col + GEMM path they replace.</summary>
public class DirectConvolutionTests
{
    public static TheoryData<int, int, int, int, int, int, int> Problems => new()
    {
        // n, c, h, w, o, k, pad
        { 3, 1, 28, 28, 6, 5, 2 },     // LeNet's first layer: two vectors per row, 6 outputs (the six-channel kernel)
        { 5, 6, 14, 14, 16, 5, 0 },    // LeNet's second: two full blocks of 8, 10 of 16 columns
        { 2, 3, 9, 19, 11, 3, 1 },     // odd rows (a spare row in the pair), 19 columns, 11 outputs
        { 2, 9, 7, 10, 3, 3, 0 },      // more input channels than a block (input gradient's outputs), the narrowest rows it takes (8)
        { 1, 2, 6, 32, 2, 1, 0 },      // 1x1 kernel, exactly 32 columns
        { 3, 2, 8, 8, 4, 4, 3 },       // padding k - 1: full correlation, even kernel
        { 2, 7, 10, 12, 13, 3, 1 },    // 13 outputs: a block of 8 and one of 5 (six-channel kernel, a zero lane); 7 inputs
    };

    [Theory]
    [MemberData(nameof(Problems))]
    public void Forward_and_both_gradients_match_im2col(int n, int c, int h, int w, int o, int k, int pad)
    {
        var p = new Convolution.Problem(n, c, h, w, o, 1, new ConvGeometry(k, k, 1, 1, pad, pad));
        Assert.True(DirectConvolution.Applies(p) || !System.Runtime.Intrinsics.Vector512.IsHardwareAccelerated);
        Rng.Seed(3);
        var x = Tensor.RandomUniform(new Shape(n * c * h * w), -1f, 1f).ToArray();
        var weight = Tensor.RandomUniform(new Shape(o * c * k * k), -1f, 1f).ToArray();
        var dy = Tensor.RandomUniform(new Shape(n * o * p.Pixels), -1f, 1f).ToArray();

        float[] yDirect = new float[n * o * p.Pixels], yGemm = new float[yDirect.Length];
        DirectConvolution.Forward(p, x, 0, weight, 0, yDirect);
        Convolution.Forward(p, x, 0, weight, 0, yGemm);
        AssertClose(yGemm, yDirect);

        float[] dwDirect = new float[weight.Length], dwGemm = new float[weight.Length];
        dwDirect.AsSpan().Fill(float.NaN);   // must be overwritten, not accumulated into
        float[] dxDirect = new float[x.Length], dxGemm = new float[x.Length];
        dxDirect.AsSpan().Fill(float.NaN);
        DirectConvolution.WeightGradient(p, x, 0, dy, 0, dwDirect);
        DirectConvolution.InputGradient(p, dy, 0, weight, 0, dxDirect, 0);
        Convolution.Backward(p, x, 0, weight, 0, dy, 0, dxGemm, dwGemm);
        AssertClose(dwGemm, dwDirect);
        AssertClose(dxGemm, dxDirect);
    }

    [Theory]
    [InlineData(1, 33, 3, 1, 1, 1)]    // wider than two vectors
    [InlineData(2, 14, 5, 2, 1, 1)]    // stride 2
    [InlineData(1, 14, 3, 1, 3, 1)]    // padding as large as the kernel
    [InlineData(1, 14, 3, 1, 1, 2)]    // dilation 2
    [InlineData(512, 5, 3, 1, 0, 1)]   // rows of 3 outputs (a late ResNet layer): 13 of 16 lanes would idle
    [InlineData(64, 24, 3, 1, 1, 1)]   // 64 channels in (ResNet's first stage): im2col's GEMM is no longer thin
    public void Problems_outside_its_reach_are_left_to_im2col(int c, int width, int k, int stride, int pad, int dilation)
    {
        var p = new Convolution.Problem(2, c, 10, width, 4, 1, new ConvGeometry(k, k, stride, stride, pad, pad, dilation, dilation));
        Assert.False(DirectConvolution.Applies(p));
    }

    [Fact]
    public void Many_output_channels_are_left_to_im2col() =>
        Assert.False(DirectConvolution.Applies(new Convolution.Problem(2, 16, 24, 24, 64, 1, new ConvGeometry(3, 3, 1, 1, 1, 1))));

    private static void AssertClose(float[] expected, float[] actual)
    {
        for (int i = 0; i < expected.Length; i++)
            Assert.True(MathF.Abs(expected[i] - actual[i]) <= 1e-4f * (1 + MathF.Abs(expected[i])), $"element {i}: expected {expected[i]}, got {actual[i]}");
    }
}
