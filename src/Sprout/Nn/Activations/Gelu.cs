namespace Sprout.Nn;

/// <summary>GELU as a layer: x·Φ(x), exact, or the tanh approximation with <c>approximate: true</c>.</summary>
public sealed class Gelu(bool approximate = false) : Block
{
    public bool Approximate { get; } = approximate;

    protected override Tensor ForwardCore(Tensor x) => x.Gelu(Approximate);

    protected override string Describe() => $"Gelu(approximate={(Approximate ? "tanh" : "none")})";
}
