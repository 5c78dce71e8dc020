using Sprout.Kernels;

namespace Sprout;

// The transposed 2-D convolution (PyTorch's conv_transpose2d, Gluon's Conv2DTranspose, "deconvolution"): the gradient of
// a convolution with respect to its input, run forward. Each of its passes is one of a convolution's: the forward is
// a convolution's dX pass (GEMM, then col2im), its input gradient a convolution's forward, its weight gradient a
// convolution's dW pass with the roles of input and output gradient exchanged.
public sealed partial class Tensor
{
    /// <summary>
    /// Transposed convolution of x (N, C, H, W) with weight (C, O/groups, kh, kw) — PyTorch's layout — plus bias (O),
    /// → (N, O, Ho, Wo), Ho = (H − 1)·stride − 2·padding + dilation·(kh − 1) + outputPadding + 1: each input pixel
    /// scatters its kernel-weighted copy into the output, stride apart (the book's 14.10). It is the input gradient of
    /// <see cref="Conv2D(Tensor, Tensor, Tensor?, Size2, Size2, Size2, int)"/> with the same arguments, so it undoes a
    /// convolution's change of size: a stride-2 transposed convolution doubles H and W.
    /// </summary>
    /// <exception cref="ArgumentException">Shapes that do not agree (named), or an output of no pixels.</exception>
    /// <exception cref="ArgumentOutOfRangeException">Non-positive strides or dilation, negative padding, or an output padding not below the stride.</exception>
    public static Tensor Conv2DTranspose(Tensor x, Tensor weight, Tensor? bias, Size2 stride, Size2 padding, Size2 outputPadding, Size2 dilation, int groups = 1)
    {
        var problem = TransposedProblem(x, weight, bias, stride, padding, outputPadding, dilation, groups);
        var shape = new Shape(problem.N, problem.C, problem.H, problem.W);
        if (x.IsMeta || weight.IsMeta || (bias?.IsMeta ?? false)) return Meta(shape);
        var y = new Tensor(shape);   // the col2im pass adds into it
        Convolution.Backward(problem, y.Storage!, 0, weight.Storage!, weight._offset, x.Storage!, x._offset, y.Storage, null);
        if (bias is not null) AddChannelBias(y, bias);
        if (Autograd.IsRecording && (x.RequiresGrad || weight.RequiresGrad || (bias?.RequiresGrad ?? false)))
            Conv2DTransposeBackward(y, x, weight, bias, problem, stride, padding, dilation, groups);
        return y;
    }

    /// <summary>
    /// The convolution whose input gradient this transposed convolution is: its input is the output here (O channels,
    /// Ho × Wo), its O is C here, its output gradient is x.
    /// </summary>
    private static Convolution.Problem TransposedProblem(Tensor x, Tensor weight, Tensor? bias, Size2 stride, Size2 padding, Size2 outputPadding, Size2 dilation, int groups)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(weight);
        if (x.Rank != 4)
            throw new ArgumentException($"Conv2DTranspose expects an input of shape (N, C, H, W); got {x.Shape} (rank {x.Rank}).", nameof(x));
        if (weight.Rank != 4)
            throw new ArgumentException($"Conv2DTranspose expects a weight of shape (in, out/groups, kh, kw), PyTorch's layout; got {weight.Shape}.", nameof(weight));
        if (groups <= 0 || weight.Shape[0] != x.Shape[1] || x.Shape[1] % groups != 0)
            throw new ArgumentException(
                $"Conv2DTranspose: input {x.Shape} with {x.Shape[1]} channels, weight {weight.Shape} and groups={groups} do not agree: " +
                "expected weight.Shape[0] = the input channels, divisible by groups.");
        int outChannels = weight.Shape[1] * groups;
        if (bias is not null && bias.Shape != new Shape(outChannels))
            throw new ArgumentException($"Conv2DTranspose: bias of shape {bias.Shape} does not match {outChannels} output channels.", nameof(bias));
        if (stride.H <= 0 || stride.W <= 0 || dilation.H <= 0 || dilation.W <= 0 || padding.H < 0 || padding.W < 0)
            throw new ArgumentOutOfRangeException(nameof(stride), $"Conv2DTranspose: strides ({stride}) and dilation ({dilation}) must be positive and padding ({padding}) non-negative.");
        if (outputPadding.H < 0 || outputPadding.W < 0 || outputPadding.H >= stride.H || outputPadding.W >= stride.W)
            throw new ArgumentOutOfRangeException(nameof(outputPadding),
                $"Conv2DTranspose: output padding {outputPadding} must be non-negative and below the stride {stride}: it picks which of the stride's possible output sizes to make.");
        int ho = (x.Shape[2] - 1) * stride.H - 2 * padding.H + dilation.H * (weight.Shape[2] - 1) + outputPadding.H + 1;
        int wo = (x.Shape[3] - 1) * stride.W - 2 * padding.W + dilation.W * (weight.Shape[3] - 1) + outputPadding.W + 1;
        if (ho <= 0 || wo <= 0)
            throw new ArgumentException(
                $"Conv2DTranspose: the input of shape {x.Shape} with a {weight.Shape[2]}x{weight.Shape[3]} kernel, stride {stride} and padding {padding} makes an output of {ho}x{wo} pixels. " +
                "Use less padding, or a larger input or kernel.", nameof(x));
        var geometry = new ConvGeometry(weight.Shape[2], weight.Shape[3], stride.H, stride.W, padding.H, padding.W, dilation.H, dilation.W);
        return new Convolution.Problem(x.Shape[0], outChannels, ho, wo, x.Shape[1], groups, geometry);
    }

    private static void AddChannelBias(Tensor y, Tensor bias)
    {
        var span = y.AsSpan();
        var b = bias.Span;
        int channels = y.Shape[1], plane = y.Shape[2] * y.Shape[3];
        for (int n = 0; n < y.Shape[0]; n++)
            for (int c = 0; c < channels; c++)
                System.Numerics.Tensors.TensorPrimitives.Add(span.Slice((n * channels + c) * plane, plane), b[c], span.Slice((n * channels + c) * plane, plane));
    }

    private static void Conv2DTransposeBackward(Tensor y, Tensor x, Tensor weight, Tensor? bias, Convolution.Problem problem, Size2 stride, Size2 padding, Size2 dilation, int groups)
    {
        // dx: the convolution's forward of g; dW: its weight-gradient pass with g as its input and x as its output gradient.
        Tensor DInput(Tensor g) => Conv2D(g, weight, null, stride, padding, dilation, groups);
        Tensor DWeight(Tensor g)
        {
            var dw = Uninitialized(weight.Shape);   // Convolution.Backward writes every element
            Convolution.Backward(problem, g.Storage!, g._offset, weight.Storage!, weight._offset, x.Storage!, x._offset, null, dw.Storage);
            return dw;
        }
        Tensor DBias(Tensor g) => g.Sum([0, 2, 3]);
        if (bias is null) y.Record("Conv2DTranspose", x, DInput, weight, DWeight);
        else y.Record("Conv2DTranspose", [x, weight, bias], [DInput, DWeight, DBias]);
    }
}
