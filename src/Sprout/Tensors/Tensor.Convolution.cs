using System.Numerics.Tensors;
using Sprout.Kernels;

namespace Sprout;

// 2-D convolution: direct kernels for small images (Kernels/DirectConvolution.cs), else lowered to GEMM through im2col
// over cache-sized chunks of the batch (Kernels/Convolution.cs).
public sealed partial class Tensor
{
    /// <summary>
    /// Cross-correlation of x (N, C, H, W) with weight (O, C/groups, kh, kw), plus bias (O), → (N, O, Ho, Wo) with
    /// Ho = ⌊(H + 2·padding − dilation·(kh − 1) − 1) / stride⌋ + 1.
    /// </summary>
    public static Tensor Conv2D(Tensor x, Tensor weight, Tensor? bias, Size2 stride, Size2 padding, Size2 dilation, int groups = 1) =>
        Conv2D(x, weight, bias, stride, padding, dilation, groups, Pointwise.None);

    /// <summary>
    /// Whether a convolution's bias gradient (the channel sums of dY) is formed before its other gradients, while dY is
    /// still in cache from the layer above, rather than after the passes for dX and dW have pushed it out (benchmarks
    /// compare both: <c>profile resnet biasfirst</c>).
    /// </summary>
    internal static bool ConvBiasGradientFirst { get; set; } = true;

    // One backward pass over the chunks computes whichever of dX and dW is needed; the rules share its result.
    private static void Conv2DBackward(Tensor y, Tensor x, Tensor weight, Tensor? bias, Convolution.Problem problem, Pointwise activation)
    {
        Tensor? dx = null, dw = null, db = null, preActivation = null;
        Tensor Z(Tensor g) => preActivation ??= ActivationGradient(g, y, activation);
        void Compute(Tensor g)
        {
            if (dx is not null || dw is not null) return;
            if (ConvBiasGradientFirst) BiasSums(g);
            g = Z(g);
            bool direct = DirectConvolution.Applies(problem), winograd = !direct && Winograd.Applies(problem);   // both write every element of dx
            dx = x.RequiresGrad ? (direct || winograd ? Uninitialized(x.Shape) : new Tensor(x.Shape)) : null;
            dw = weight.RequiresGrad ? GradientTable.DirectDestination(weight) ?? Uninitialized(weight.Shape) : null;   // Convolution.Backward clears it
            if (winograd)
            {
                bool byWinograd = Winograd.WeightGradients;   // else im2col's (benchmarks compare them)
                if (dw is not null && !byWinograd) Convolution.Backward(problem, x.Storage!, x._offset, weight.Storage!, weight._offset, g.Storage!, g._offset, null, dw.Storage);
                Winograd.Backward(problem, x.Storage!, x._offset, weight.Storage!, weight._offset, g.Storage!, g._offset, dx?.Storage, byWinograd ? dw?.Storage : null);
                return;
            }
            if (!direct)
            {
                Convolution.Backward(problem, x.Storage!, x._offset, weight.Storage!, weight._offset, g.Storage!, g._offset, dx?.Storage, dw?.Storage);
                return;
            }
            if (dw is not null) DirectConvolution.WeightGradient(problem, x.Storage!, x._offset, g.Storage!, g._offset, dw.Storage!);
            if (dx is not null) DirectConvolution.InputGradient(problem, g.Storage!, g._offset, weight.Storage!, weight._offset, dx.Storage!, 0);
        }
        Tensor DInput(Tensor g) { Compute(g); return dx!; }
        Tensor DWeight(Tensor g) { Compute(g); return dw!; }
        void BiasSums(Tensor g)
        {
            if (db is not null || bias is not { RequiresGrad: true }) return;
            var z = Z(g);
            db = Uninitialized(new Shape(problem.O));
            Reduce.ChannelSums(z.Storage!, z._offset, problem.N, problem.O, problem.Pixels, db.Storage!);
        }
        Tensor DBias(Tensor g) { BiasSums(g); return db!; }
        if (bias is null) y.Record("Conv2D", x, DInput, weight, DWeight);
        else y.Record("Conv2D", [x, weight, bias], [DInput, DWeight, DBias]);
    }

    private static ConvGeometry ConvolutionGeometry(Tensor x, Tensor weight, Tensor? bias, Size2 stride, Size2 padding, Size2 dilation, int groups)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(weight);
        if (x.Rank != 4)
            throw new ArgumentException($"Conv2D expects an input of shape (N, C, H, W); got {x.Shape} (rank {x.Rank}). Add the missing axes with Reshape, e.g. a single grayscale image as (1, 1, H, W).", nameof(x));
        if (weight.Rank != 4)
            throw new ArgumentException($"Conv2D expects a weight of shape (out, in/groups, kh, kw); got {weight.Shape}.", nameof(weight));
        if (groups <= 0 || x.Shape[1] % groups != 0 || weight.Shape[0] % groups != 0 || weight.Shape[1] * groups != x.Shape[1])
            throw new ArgumentException($"Conv2D: input {x.Shape} with {x.Shape[1]} channels, weight {weight.Shape} and groups={groups} do not agree: expected channels = weight.Shape[1]·groups and both channel counts divisible by groups.");
        if (bias is not null && bias.Shape != new Shape(weight.Shape[0]))
            throw new ArgumentException($"Conv2D: bias of shape {bias.Shape} does not match {weight.Shape[0]} output channels.", nameof(bias));
        if (stride.H <= 0 || stride.W <= 0 || dilation.H <= 0 || dilation.W <= 0 || padding.H < 0 || padding.W < 0)
            throw new ArgumentOutOfRangeException(nameof(stride), $"Conv2D: strides ({stride}) and dilation ({dilation}) must be positive and padding ({padding}) non-negative.");
        var g = new ConvGeometry(weight.Shape[2], weight.Shape[3], stride.H, stride.W, padding.H, padding.W, dilation.H, dilation.W);
        if (g.OutH(x.Shape[2]) <= 0 || g.OutW(x.Shape[3]) <= 0)
            throw new ArgumentException(
                $"Conv2D: the {weight.Shape[2]}x{weight.Shape[3]} kernel (dilation {dilation}) does not fit the input of shape {x.Shape} padded by {padding}: " +
                "the image is too small for this layer. Use a larger input, more padding or a smaller kernel.", nameof(x));
        return g;
    }

    /// <summary>Conv2D followed by an activation applied in place on its output.</summary>
    internal static Tensor Conv2D(Tensor x, Tensor weight, Tensor? bias, Size2 stride, Size2 padding, Size2 dilation, int groups, Pointwise activation)
    {
        var geometry = ConvolutionGeometry(x, weight, bias, stride, padding, dilation, groups);
        var problem = new Convolution.Problem(x.Shape[0], x.Shape[1], x.Shape[2], x.Shape[3], weight.Shape[0], groups, geometry);
        var y = EmptyForOverwrite(new Shape(problem.N, problem.O, problem.OutH, problem.OutW), x.IsMeta || weight.IsMeta || (bias?.IsMeta ?? false));
        if (y.IsMeta) return y;
        if (DirectConvolution.Applies(problem))   // bias and activation applied to each output plane while it is in cache
            DirectConvolution.Forward(problem, x.Storage!, x._offset, weight.Storage!, weight._offset, y.Storage!, bias?.Storage, bias?._offset ?? 0, activation);
        else
        {
            // The bias is added by the kernels as they write each output (a pass of its own read and wrote every output again).
            if (Winograd.Applies(problem)) Winograd.Forward(problem, x.Storage!, x._offset, weight.Storage!, weight._offset, y.Storage!, 0, bias?.Storage, bias?._offset ?? 0);
            else Convolution.Forward(problem, x.Storage!, x._offset, weight.Storage!, weight._offset, y.Storage!, bias?.Storage, bias?._offset ?? 0);
            activation.ApplyInPlace(y.AsSpan());
        }
        if (Autograd.IsRecording && (x.RequiresGrad || weight.RequiresGrad || (bias?.RequiresGrad ?? false)))
            Conv2DBackward(y, x, weight, bias, problem, activation);
        return y;
    }
}
