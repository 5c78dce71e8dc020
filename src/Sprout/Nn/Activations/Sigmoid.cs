namespace Sprout.Nn;

/// <summary>1 / (1 + e^-x) as a layer.</summary>
public sealed class Sigmoid : Block
{
    /// <inheritdoc/>
    protected override Tensor ForwardCore(Tensor x) => x.Sigmoid();
}
