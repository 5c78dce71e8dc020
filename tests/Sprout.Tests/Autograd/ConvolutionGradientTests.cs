using Sprout.Kernels;
namespace Sprout.Tests.Autograd;

/// <summary>Convolution and pooling backward rules against finite differences, over strides, padding, dilation and groups.</summary>
public class ConvolutionGradientTests
{
    public ConvolutionGradientTests() => Rng.Seed(31);

    private static Tensor R(params int[] shape) => Tensor.RandomUniform(new Shape(shape), -1f, 1f);

    [Theory]
    [InlineData(1, 0, 1, 1)]
    [InlineData(2, 1, 1, 1)]
    [InlineData(1, 2, 2, 1)]
    [InlineData(2, 1, 1, 2)]
    [InlineData(3, 0, 2, 1)]
    public void Conv2D_input_weight_and_bias(int stride, int padding, int dilation, int groups) =>
        GradCheck.Assert(x => Tensor.Conv2D(x[0], x[1], x[2], stride, padding, dilation, groups), R(2, 4, 7, 6), R(6, 4 / groups, 3, 3), R(6));

    [Theory]
    [InlineData(Pointwise.Relu)]
    [InlineData(Pointwise.Sigmoid)]
    [InlineData(Pointwise.Tanh)]
    internal void Conv2D_with_a_fused_activation(Pointwise activation) =>
        GradCheck.Assert(x => Tensor.Conv2D(x[0], x[1], x[2], 1, 1, 1, 1, activation), R(2, 3, 5, 5), R(4, 3, 3, 3), R(4));

    [Fact]
    public void BatchNorm_in_training_mode_input_gamma_and_beta() =>
        GradCheck.Assert(x => Tensor.BatchNormTraining(x[0], x[1], x[2], 1e-5f).Y, R(3, 4, 3, 2), R(4), R(4));

    [Fact]
    public void BatchNorm_with_a_fused_relu_input_gamma_and_beta() =>
        GradCheck.Assert(x => Tensor.BatchNormTraining(x[0], x[1], x[2], 1e-5f, relu: true).Y, R(3, 4, 3, 2), R(4), R(4));

    [Fact]
    public void Conv2D_with_rectangular_kernel_and_no_bias() =>
        GradCheck.Assert(x => Tensor.Conv2D(x[0], x[1], null, (1, 2), (1, 0), 1), R(1, 2, 5, 6), R(3, 2, 2, 3));

    [Theory]
    [InlineData(2, 2, 0, false)]
    [InlineData(3, 2, 1, false)]
    [InlineData(3, 2, 0, true)]
    public void MaxPool2D(int size, int stride, int padding, bool ceil)
    {
        // Distinct values so that no window has a tie within ε.
        var x = Tensor.Arange(2 * 3 * 7 * 7).Reshape(2, 3, 7, 7);
        var perm = Tensor.RandomUniform(x.Length).ToArray().Select((v, i) => (v, i)).OrderBy(t => t.v).Select(t => (float)t.i * 0.05f).ToArray();
        GradCheck.Assert(t => Tensor.MaxPool2D(t[0], size, stride, padding, ceil), Tensor.FromArray(perm, 2, 3, 7, 7));
    }

    [Theory]
    [InlineData(2, 2, 0, false)]
    [InlineData(3, 1, 1, false)]
    [InlineData(3, 2, 1, true)]
    public void AvgPool2D(int size, int stride, int padding, bool ceil) =>
        GradCheck.Assert(t => Tensor.AvgPool2D(t[0], size, stride, padding, ceil), R(2, 2, 7, 6));

    [Fact]
    public void Average_pooling_gradient_fills_every_input_even_from_a_dirty_pooled_array()
    {
        // 2x2 stride-2 pooling writes its input gradient without clearing it first: an odd last row and column, which
        // no window covers, must still come out zero when the array comes back from the pool full of NaN.
        var shape = new Shape(4, 8, 33, 31);
        var x = Tensor.RandomUniform(shape);
        x.AttachGrad();
        Tensor y;
        using (Sprout.Autograd.Record()) y = Tensor.AvgPool2D(x, 2, 2, 0);
        var head = Tensor.RandomUniform(y.Shape);
        var junk = StoragePool.Rent(shape.Product(0, 4), clear: false);   // the array the gradient will get
        junk.AsSpan().Fill(float.NaN);
        StoragePool.Return(junk);
        y.Backward(head);
        var dx = x.Grad().ToArray();
        var dy = head.ToArray();
        for (int p = 0; p < 4 * 8; p++)
            for (int iy = 0; iy < 33; iy++)
                for (int ix = 0; ix < 31; ix++)
                {
                    float expected = iy < 32 && ix < 30 ? 0.25f * dy[(p * 16 + iy / 2) * 15 + ix / 2] : 0f;
                    Xunit.Assert.Equal(expected, dx[(p * 33 + iy) * 31 + ix]);
                }
    }
}
