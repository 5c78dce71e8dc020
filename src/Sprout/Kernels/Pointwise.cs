using System.Numerics.Tensors;

namespace Sprout.Kernels;

/// <summary>An activation fused into the op that produces its input (applied in place on a fresh output).</summary>
internal enum Pointwise
{
    None,
    Relu,
    Sigmoid,
    Tanh,
}

internal static class PointwiseExtensions
{
    /// <summary>Applies the activation to <paramref name="data"/> in place.</summary>
    public static void ApplyInPlace(this Pointwise activation, Span<float> data)
    {
        switch (activation)
        {
            case Pointwise.Relu: TensorPrimitives.Max(data, 0f, data); break;
            case Pointwise.Sigmoid: Sigmoid.Apply(data, data); break;
            case Pointwise.Tanh: TensorPrimitives.Tanh(data, data); break;
        }
    }
}
