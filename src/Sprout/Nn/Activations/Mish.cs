namespace Sprout.Nn;

/// <summary>Mish as a layer: x·tanh(softplus(x)).</summary>
public sealed class Mish : Block
{

    /// <inheritdoc/>
    protected override Tensor ForwardCore(Tensor x) => x.Mish();

    /// <inheritdoc/>
    protected override string Describe() => "Mish()";
}
