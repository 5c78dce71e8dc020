using Sprout.Kernels;

namespace Sprout.Nn;

/// <summary>An activation a layer applies to its output.</summary>
public enum Activation
{
    None,
    Relu,
    Sigmoid,
    Tanh,
}

public static class ActivationExtensions
{
    /// <summary>act(x) as an op of its own, for a sum or a concatenation it cannot be fused into.</summary>
    public static Tensor Apply(this Activation activation, Tensor x) => activation switch
    {
        Activation.None => x,
        Activation.Relu => x.Relu(),
        Activation.Sigmoid => x.Sigmoid(),
        Activation.Tanh => x.Tanh(),
        _ => throw new ArgumentOutOfRangeException(nameof(activation), activation, "Expected None, Relu, Sigmoid or Tanh."),
    };

    /// <summary>The kernel's activation, fused into the op that produces a layer's output (the one mapping of the two enums).</summary>
    internal static Pointwise ToPointwise(this Activation activation) => activation switch
    {
        Activation.None => Pointwise.None,
        Activation.Relu => Pointwise.Relu,
        Activation.Sigmoid => Pointwise.Sigmoid,
        Activation.Tanh => Pointwise.Tanh,
        _ => throw new ArgumentOutOfRangeException(nameof(activation), activation, "Expected None, Relu, Sigmoid or Tanh."),
    };

    /// <summary>Gluon's wording: <c>linear</c> for none, else <c>Activation(relu)</c>.</summary>
    public static string Describe(this Activation activation) =>
        activation == Activation.None ? "linear" : $"Activation({activation.ToString().ToLowerInvariant()})";
}
