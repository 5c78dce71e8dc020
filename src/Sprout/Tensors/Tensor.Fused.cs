using System.Numerics.Tensors;
using Sprout.Kernels;

namespace Sprout;

// Fused layer ops: the product, its bias and its activation share one output buffer (the activation applied in place),
// and backward first turns the output gradient into the pre-activation gradient using the output alone:
// ReLU: g·[y > 0]; sigmoid: g·y(1 − y); tanh: g·(1 − y²). One activation-sized allocation instead of three.
public sealed partial class Tensor
{
    /// <summary>y = act(x·Wᵀ + b): (N, *, in)·(units, in)ᵀ + (units) → (N, *, units).</summary>
    internal static Tensor Linear(Tensor x, Tensor weight, Tensor? bias, Pointwise activation)
    {
        Tensor y;
        using (Autograd.Pause()) y = x.MatMulTransposed(weight);
        if (bias is not null && bias.Shape != new Shape(weight.Shape[0]))
            throw new ArgumentException($"Linear: bias of shape {bias.Shape} does not match {weight.Shape[0]} output units.", nameof(bias));
        if (!y.IsMeta && !(bias?.IsMeta ?? false))
        {
            var data = y.AsSpan();
            int units = weight.Shape[0];
            if (bias is not null)
                for (int row = 0; row < data.Length; row += units) TensorPrimitives.Add(data.Slice(row, units), bias.Span, data.Slice(row, units));
            activation.ApplyInPlace(data);
        }
        if (Autograd.IsRecording && (x.RequiresGrad || weight.RequiresGrad || (bias?.RequiresGrad ?? false)))
            LinearBackward(y, x, weight, bias, activation);
        return y;
    }

    private static void LinearBackward(Tensor y, Tensor x, Tensor weight, Tensor? bias, Pointwise activation)
    {
        int units = weight.Shape[0], inputs = weight.Shape[1];
        Tensor? preActivation = null;
        Tensor Z(Tensor g) => preActivation ??= ActivationGradient(g, y, activation).Reshape(-1, units);
        Tensor DInput(Tensor g) => Product(Z(g), weight, false, false).Reshape(x.Shape);
        Tensor DWeight(Tensor g) => Product(Z(g), x.Alias(new Shape(x.Length / inputs, inputs)), true, false, GradientTable.DirectDestination(weight));
        Tensor DBias(Tensor g) => Z(g).Sum(0);
        if (bias is null) y.Record("Linear", x, DInput, weight, DWeight);
        else y.Record("Linear", [x, weight, bias], [DInput, DWeight, DBias]);
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
            Convolution.Forward(problem, x.Storage!, x._offset, weight.Storage!, weight._offset, y.Storage!);
            if (bias is not null) AddChannelBias(y, bias);
            activation.ApplyInPlace(y.AsSpan());
        }
        if (Autograd.IsRecording && (x.RequiresGrad || weight.RequiresGrad || (bias?.RequiresGrad ?? false)))
            Conv2DBackward(y, x, weight, bias, problem, activation);
        return y;
    }

    /// <summary>The gradient before the activation, from the gradient after it and the activation's output (split over threads).</summary>
    private static Tensor ActivationGradient(Tensor g, Tensor y, Pointwise activation)
    {
        if (activation == Pointwise.None) return g;
        var r = Uninitialized(g.Shape);
        WorkerPool.ForRanges(r.Length, r.Length, (start, end) =>
        {
            int count = end - start;
            ReadOnlySpan<float> gs = g.Span.Slice(start, count), ys = y.Span.Slice(start, count);
            var rs = r.AsSpan().Slice(start, count);
            switch (activation)
            {
                case Pointwise.Relu:
                    Masks.Between(gs, ys, 0f, float.PositiveInfinity, rs);
                    break;
                case Pointwise.Sigmoid:
                    Masks.SigmoidGradient(gs, ys, rs);
                    break;
                case Pointwise.Tanh:
                    Masks.TanhGradient(gs, ys, rs);
                    break;
            }
        });
        return r;
    }
}
