namespace Sprout.Nn;

/// <summary>GELU as a layer: x·Φ(x), exact, or the tanh approximation with <c>approximate: true</c>.</summary>
public sealed class Gelu(bool approximate = false) : Block
{
    /// <summary>Whether the tanh approximation is used instead of the exact erf form.</summary>
    public bool Approximate { get; } = approximate;

    /// <inheritdoc/>
    protected override Tensor ForwardCore(Tensor x) => x.Gelu(Approximate);

    /// <inheritdoc/>
    protected override string Describe() => $"Gelu(approximate={(Approximate ? "tanh" : "none")})";
}
