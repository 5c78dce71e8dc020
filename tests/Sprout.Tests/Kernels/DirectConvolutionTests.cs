using Sprout.Kernels;

namespace Sprout.Tests.Kernels;

/// <summary>The direct kernels for few-channel layers must agree with the im2col + GEMM path they replace.</summary>
public class DirectConvolutionTests
{
    public static TheoryData<int, int, int, int, int, int, int> Problems => new()
    {
        // n, c, h, w, o, k, pad
        { 3, 1, 28, 28, 6, 5, 2 },     // LeNet's first layer
        { 2, 3, 9, 40, 4, 3, 1 },      // more than one 32-column block, odd sizes
        { 2, 2, 7, 5, 3, 3, 0 },       // output narrower than a block, no padding
        { 1, 1, 6, 33, 2, 1, 0 },      // 1x1 kernel, 33 columns
    };

    [Theory]
    [MemberData(nameof(Problems))]
    public void Forward_and_weight_gradient_match_im2col(int n, int c, int h, int w, int o, int k, int pad)
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
        DirectConvolution.WeightGradient(p, x, 0, dy, 0, dwDirect);
        Convolution.Backward(p, x, 0, weight, 0, dy, 0, null, dwGemm);
        AssertClose(dwGemm, dwDirect);
    }

    private static void AssertClose(float[] expected, float[] actual)
    {
        for (int i = 0; i < expected.Length; i++)
            Assert.True(MathF.Abs(expected[i] - actual[i]) <= 1e-4f * (1 + MathF.Abs(expected[i])), $"element {i}: expected {expected[i]}, got {actual[i]}");
    }
}
