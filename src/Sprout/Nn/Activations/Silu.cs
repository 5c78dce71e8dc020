namespace Sprout.Nn;

/// <summary>SiLU (swish) as a layer: x·σ(x).</summary>
public sealed class Silu : Block
{

    /// <inheritdoc/>
    protected override Tensor ForwardCore(Tensor x) => x.Silu();

    /// <inheritdoc/>
    protected override string Describe() => "Silu()";
}
