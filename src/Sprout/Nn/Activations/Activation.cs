using Sprout.Kernels;

namespace Sprout.Nn;

/// <summary>An activation a layer applies to its output (ReLU, sigmoid and tanh are fused into the layer's own op).</summary>
public enum Activation
{
    /// <summary>No activation: the identity.</summary>
    None,
    /// <summary>max(x, 0).</summary>
    Relu,
    /// <summary>1 / (1 + e⁻ˣ).</summary>
    Sigmoid,
    /// <summary>The hyperbolic tangent.</summary>
    Tanh,
    /// <summary>x·Φ(x), exact (erf-based).</summary>
    Gelu,
    /// <summary>x·σ(x).</summary>
    Silu,
    /// <summary>Slope 0.01 below zero.</summary>
    LeakyRelu,
    /// <summary>α = 1.</summary>
    Elu,
    /// <summary>log(1 + eˣ).</summary>
    Softplus,
    /// <summary>x·tanh(softplus(x)).</summary>
    Mish,
}

/// <summary>Applying, fusing and printing an <see cref="Activation"/>.</summary>
public static class ActivationExtensions
{
    /// <summary>act(x) as an op of its own, for a sum or a concatenation it cannot be fused into.</summary>
    public static Tensor Apply(this Activation activation, Tensor x) => activation switch
    {
        Activation.None => x,
        Activation.Relu => x.Relu(),
        Activation.Sigmoid => x.Sigmoid(),
        Activation.Tanh => x.Tanh(),
        Activation.Gelu => x.Gelu(),
        Activation.Silu => x.Silu(),
        Activation.LeakyRelu => x.LeakyRelu(),
        Activation.Elu => x.Elu(),
        Activation.Softplus => x.Softplus(),
        Activation.Mish => x.Mish(),
        _ => throw new ArgumentOutOfRangeException(nameof(activation), activation, $"Expected one of {string.Join(", ", Enum.GetNames<Activation>())}."),
    };

    /// <summary>
    /// The kernel's activation fused into the op that produces a layer's output (the one mapping of the two enums);
    /// <see cref="Pointwise.None"/> for those applied after it (<see cref="IsFused"/> false).
    /// </summary>
    internal static Pointwise ToPointwise(this Activation activation) => activation switch
    {
        Activation.Relu => Pointwise.Relu,
        Activation.Sigmoid => Pointwise.Sigmoid,
        Activation.Tanh => Pointwise.Tanh,
        _ => Pointwise.None,
    };

    /// <summary>Whether the layer's op applies it itself (else the layer applies it after, with <see cref="Apply"/>).</summary>
    internal static bool IsFused(this Activation activation) => activation is Activation.None or Activation.Relu or Activation.Sigmoid or Activation.Tanh;

    /// <summary>Gluon's wording: <c>linear</c> for none, else <c>Activation(relu)</c>.</summary>
    public static string Describe(this Activation activation) =>
        activation == Activation.None ? "linear" : $"Activation({activation.ToString().ToLowerInvariant()})";
}
